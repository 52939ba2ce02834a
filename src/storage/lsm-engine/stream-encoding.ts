// Stream records of the LSM engine (FORMAT.md, "stream"): the metadata's
// stream counters, and the sub-keys under one stream version, each starting
// with a tag byte: entries, node boundaries, groups, consumers, the group
// PEL and each consumer's PEL index. Ids are 16 big-endian bytes (ms, seq),
// so sub-key order is id order; names are length-prefixed where more follows.

import { bytesToStr, strToBytes } from "../../net/bytes.ts";
import { ByteReader, ByteWriter } from "../lsm/coding.ts";
import type { StreamId } from "../stream-ops.ts";
import type { Master } from "../memory/stream-nodes.ts";
import { COLLECTION_META_SIZE, encodeCollectionMeta, subKey } from "./encoding.ts";

export const TAG_ENTRY = 0x01;
export const TAG_NODE = 0x02;
export const TAG_GROUP = 0x03;
export const TAG_CONSUMER = 0x04;
export const TAG_PEL = 0x05;
export const TAG_CONSUMER_PEL = 0x06;

const ID_SIZE = 16;

function putId(out: Uint8Array, at: number, id: StreamId): void {
  for (let i = ID_SIZE - 1; i >= 0; i--) {
    out[at + i] = Number(id & 0xffn);
    id >>= 8n;
  }
}

function getId(raw: Uint8Array, at: number): StreamId {
  let id = 0n;
  for (let i = 0; i < ID_SIZE; i++) id = (id << 8n) | BigInt(raw[at + i]);
  return id;
}

const scratch = new DataView(new ArrayBuffer(8));

function putF64(out: Uint8Array, at: number, x: number): void {
  scratch.setFloat64(0, x);
  for (let i = 0; i < 8; i++) out[at + i] = scratch.getUint8(i);
}

function getF64(raw: Uint8Array, at: number): number {
  for (let i = 0; i < 8; i++) scratch.setUint8(i, raw[at + i]);
  return scratch.getFloat64(0);
}

/** Stream counters after the collection head of the metadata (size = length). */
export interface StreamCounters {
  lastId: StreamId;
  maxDeletedId: StreamId;
  /** First live entry (0 when empty). */
  firstId: StreamId;
  /** First id of the node appends go to (0 when none). */
  tailNode: StreamId;
  entriesAdded: number;
  nodes: number;
}

const COUNTERS_SIZE = 4 * ID_SIZE + 16;

export function encodeStreamMeta(flags: number, expireAt: number, version: number, length: number, c: StreamCounters): Uint8Array {
  const out = encodeCollectionMeta("stream", flags, expireAt, version, length, COUNTERS_SIZE);
  let at = COLLECTION_META_SIZE;
  for (const id of [c.lastId, c.maxDeletedId, c.firstId, c.tailNode]) {
    putId(out, at, id);
    at += ID_SIZE;
  }
  putF64(out, at, c.entriesAdded);
  putF64(out, at + 8, c.nodes);
  return out;
}

export function decodeStreamCounters(raw: Uint8Array): StreamCounters {
  const at = COLLECTION_META_SIZE;
  return {
    lastId: getId(raw, at),
    maxDeletedId: getId(raw, at + ID_SIZE),
    firstId: getId(raw, at + 2 * ID_SIZE),
    tailNode: getId(raw, at + 3 * ID_SIZE),
    entriesAdded: getF64(raw, at + 4 * ID_SIZE),
    nodes: getF64(raw, at + 4 * ID_SIZE + 8),
  };
}

/**
 * prefix tag [len(name) name]... [tail]: a sub-key of the stream version's
 * prefix. The tail (an id, or a name written without a length so names sort
 * bytewise) ends the key.
 */
export function streamKey(prefix: Uint8Array, tag: number, names: readonly string[], tail?: StreamId | string): Uint8Array {
  const w = new ByteWriter(32);
  w.byte(tag);
  for (const name of names) {
    const bytes = strToBytes(name);
    w.byte(bytes.length >>> 24);
    w.byte((bytes.length >>> 16) & 0xff);
    w.byte((bytes.length >>> 8) & 0xff);
    w.byte(bytes.length & 0xff);
    w.bytes(bytes);
  }
  if (typeof tail === "string") w.bytes(strToBytes(tail));
  else if (tail !== undefined) {
    w.ensure(ID_SIZE);
    putId(w.buf, w.len, tail);
    w.len += ID_SIZE;
  }
  return subKey(prefix, w.view());
}

/** The id at the end of a sub-key. */
export function idOfKey(key: Uint8Array): StreamId {
  return getId(key, key.length - ID_SIZE);
}

/** The name ending a sub-key whose first `from` bytes are its prefix. */
export function nameOfKey(key: Uint8Array, from: number): string {
  return bytesToStr(key.subarray(from));
}

function putF64To(w: ByteWriter, x: number): void {
  w.ensure(8);
  putF64(w.buf, w.len, x);
  w.len += 8;
}

function readF64(r: ByteReader): number {
  return getF64(r.bytes(8), 0);
}

/** An entry's value: count, then length-prefixed field, value, field, value... */
export function encodeEntry(fields: readonly Uint8Array[]): Uint8Array {
  const w = new ByteWriter(64);
  w.varint(fields.length);
  for (const f of fields) w.lenBytes(f);
  return w.finish();
}

export function decodeEntry(raw: Uint8Array): Uint8Array[] {
  const r = new ByteReader(raw);
  const n = r.varint();
  const fields: Uint8Array[] = [];
  for (let i = 0; i < n; i++) fields.push(r.lenBytes().slice());
  return fields;
}

/** A node boundary record (keyed by the node's first id): what node sizing needs. */
export interface NodeRecord {
  live: number;
  deleted: number;
  bytes: number;
  master: Master;
}

export function encodeNode(n: NodeRecord): Uint8Array {
  const w = new ByteWriter(64);
  w.varint(n.live);
  w.varint(n.deleted);
  w.varint(n.bytes);
  w.varint(n.master.fields.length);
  for (const f of n.master.fields) w.lenBytes(strToBytes(f));
  return w.finish();
}

export function decodeNode(id: StreamId, raw: Uint8Array): NodeRecord {
  const r = new ByteReader(raw);
  const live = r.varint();
  const deleted = r.varint();
  const bytes = r.varint();
  const count = r.varint();
  const fields: string[] = [];
  for (let i = 0; i < count; i++) fields.push(bytesToStr(r.lenBytes()));
  return { live, deleted, bytes, master: { id, fields } };
}

export interface GroupRecord {
  lastId: StreamId;
  entriesRead: number;
  pending: number;
  consumers: number;
}

export function encodeGroup(g: GroupRecord): Uint8Array {
  const w = new ByteWriter(48);
  w.ensure(ID_SIZE);
  putId(w.buf, 0, g.lastId);
  w.len = ID_SIZE;
  putF64To(w, g.entriesRead);
  w.varint(g.pending);
  w.varint(g.consumers);
  return w.finish();
}

export function decodeGroup(raw: Uint8Array): GroupRecord {
  const r = new ByteReader(raw, ID_SIZE);
  return { lastId: getId(raw, 0), entriesRead: readF64(r), pending: r.varint(), consumers: r.varint() };
}

export interface ConsumerRecord {
  seenTime: number;
  pending: number;
}

export function encodeConsumer(c: ConsumerRecord): Uint8Array {
  const w = new ByteWriter(16);
  putF64To(w, c.seenTime);
  w.varint(c.pending);
  return w.finish();
}

export function decodeConsumer(raw: Uint8Array): ConsumerRecord {
  const r = new ByteReader(raw);
  return { seenTime: readF64(r), pending: r.varint() };
}

export interface PelRecord {
  consumer: string;
  deliveryTime: number;
  deliveryCount: number;
}

export function encodePel(p: PelRecord): Uint8Array {
  const w = new ByteWriter(32);
  putF64To(w, p.deliveryTime);
  putF64To(w, p.deliveryCount);
  w.bytes(strToBytes(p.consumer));
  return w.finish();
}

export function decodePel(raw: Uint8Array): PelRecord {
  const r = new ByteReader(raw);
  const deliveryTime = readF64(r);
  const deliveryCount = readF64(r);
  return { deliveryTime, deliveryCount, consumer: bytesToStr(raw.subarray(r.off)) };
}
