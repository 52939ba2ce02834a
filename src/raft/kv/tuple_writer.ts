import { MsgpackWriter } from "../transport/msgpack_direct.ts";

// Writes the small msgpack tuples of the KV service (client requests and
// responses) directly, in the smallest forms the msgpack Encoder writes, so
// TupleReader and the Decoder read them alike: a fixarray of unsigned ints,
// booleans and str/nil fields. The Encoder's per-call setup and type
// dispatch cost 0.4-0.8 us per tuple (bench/raft/components.ts), more than
// the bytes themselves.
export class TupleWriter extends MsgpackWriter {
  // Starts a tuple of n (< 16) fields.
  start(n: number): this {
    return this.reset().array(n);
  }

  // The tuple: a view of the writer's buffer, valid until the next start()
  // (CorkedWriter.writeFrame copies it at once).
  end(): Uint8Array {
    return this.view();
  }
}
