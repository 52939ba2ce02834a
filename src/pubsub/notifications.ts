// Keyspace notifications (Redis's notify.c): every Keyspace.notify call whose
// event class is enabled by `notify-keyspace-events` publishes
//   __keyspace@<db>__:<key>   with the event name as message (class K), and
//   __keyevent@<db>__:<event> with the key as message (class E).

import { concatBytes, strToBytes } from "../net/bytes.ts";
import type { Server } from "../server.ts";
import type { PubSub } from "./pubsub.ts";

/** Classes "A" stands for (everything but key-miss "m" and new-key "n"). */
const ALL_CLASSES = "g$lshzxetd";

/** Parsed `notify-keyspace-events`: enabled event classes and channel kinds. */
interface NotifySettings {
  classes: string;
  keyspace: boolean;
  keyevent: boolean;
}

export function parseNotifySettings(value: string): NotifySettings {
  return {
    classes: value.replace("A", ALL_CLASSES).replace(/[KE]/g, ""),
    keyspace: value.includes("K"),
    keyevent: value.includes("E"),
  };
}

export class KeyspaceNotifier {
  private settings: NotifySettings;
  /** "__keyspace@<db>__:" and "__keyevent@<db>__:" prefixes per db index, built once. */
  private readonly keyspacePrefixes: Uint8Array[];
  private readonly keyeventPrefixes: Uint8Array[];

  constructor(
    server: Server,
    private readonly pubsub: PubSub,
  ) {
    const name = "notify-keyspace-events";
    this.settings = parseNotifySettings(server.config.str(name));
    server.config.onChange((changed) => {
      if (changed === name) this.settings = parseNotifySettings(server.config.str(name));
    });
    const dbs = server.keyspace.dbs.length;
    this.keyspacePrefixes = Array.from({ length: dbs }, (_, i) => strToBytes(`__keyspace@${i}__:`));
    this.keyeventPrefixes = Array.from({ length: dbs }, (_, i) => strToBytes(`__keyevent@${i}__:`));
    server.keyspace.onKeyEvent((cls, event, key, db) => this.notify(cls, event, key, db));
  }

  private notify(cls: string, event: string, key: Uint8Array, db: number): void {
    const s = this.settings;
    if (!s.classes.includes(cls) || this.pubsub.idle) return;
    const eventBytes = strToBytes(event);
    if (s.keyspace) this.pubsub.publish(concatBytes([this.keyspacePrefixes[db], key]), eventBytes);
    if (s.keyevent) this.pubsub.publish(concatBytes([this.keyeventPrefixes[db], eventBytes]), key);
  }
}
