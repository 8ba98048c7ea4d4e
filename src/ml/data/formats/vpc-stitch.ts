/**
 * The two directions of one connection into one session. A VPC flow log writes one record per
 * direction, per interface and aggregation window; the models read sessions (bytes in and bytes out
 * of one client). Records are matched by the reversed 5-tuple on the same interface with overlapping
 * time. The initiator's bytes become bytes_in, the reverse record's bytes_out. A connection seen one
 * way only keeps the other direction absent, never zero.
 *
 * Memory is bounded: a record waits for its reverse until the log has moved WAIT_MS past its end, or
 * MAX_PENDING records wait (then the oldest go out unpaired), so a file of any size streams.
 */
import { makeRecord } from './build.js';
import type { TrafficRecord } from '../record.js';

export interface Flow {
  line: number;
  iface: string;
  src: string;
  dst: string;
  srcPort: number | null;
  dstPort: number | null;
  /** IANA keyword */
  protocol: string | null;
  bytes: number | null;
  startMs: number;
  endMs: number;
  action: string | null;
  /** tcp-flags bit mask, when logged */
  tcpFlags: number | null;
  /** flow-direction, when logged: ingress or egress */
  direction: string | null;
}

/** How long past its end a record waits for its reverse: one aggregation window (at most 10 minutes) and slack for delivery order. */
export const WAIT_MS = 15 * 60_000;
export const MAX_PENDING = 100_000;
const EVICT_EVERY = 4096;

const SYN = 0x02;
const SYN_ACK = 0x12;

/**
 * Which end started the connection: +1 the flow's source, -1 its destination, 0 unknown. In order of
 * trust: tcp-flags (SYN alone: the initiator's record; SYN-ACK: the responder's); then a REJECT: a
 * security group is stateful and never refuses the reply to a connection it let through, in either
 * flow-direction, so a refused record is an attempt by its source (only a stateless network ACL
 * without its ephemeral-port rule refuses replies); then the ports. The REJECT rule comes before the
 * ports because a scanner may send from a low source port (53, 80) to pass port-based filters.
 */
function initiatedBySource(f: Flow): number {
  if (f.tcpFlags !== null) {
    if ((f.tcpFlags & SYN_ACK) === SYN_ACK) return -1;
    if (f.tcpFlags & SYN) return 1;
  }
  if (f.action === 'REJECT') return 1;
  // A service listens on the lower port; clients use ephemeral ports (1024 and up).
  if (f.srcPort !== null && f.dstPort !== null && f.srcPort !== f.dstPort) return f.dstPort < f.srcPort ? 1 : -1;
  return 0;
}

export class Stitcher {
  private readonly pending = new Map<string, Flow[]>();
  private count = 0;
  private latestStart = -Infinity;
  private sinceEvict = 0;
  stitched = 0;
  oneWay = 0;

  private static key(iface: string, src: string, srcPort: number | null, dst: string, dstPort: number | null, protocol: string | null): string {
    return `${iface}|${src}|${srcPort}|${dst}|${dstPort}|${protocol}`;
  }

  /** Adds a flow; returns the sessions completed by it or pushed out by its time. */
  add(f: Flow, out: TrafficRecord[]): void {
    if (f.startMs > this.latestStart) this.latestStart = f.startMs;
    const reverse = Stitcher.key(f.iface, f.dst, f.dstPort, f.src, f.srcPort, f.protocol);
    const waiting = this.pending.get(reverse);
    if (waiting !== undefined) {
      // On one interface a connection's two records run opposite ways: with flow-direction logged, an ingress record pairs with an egress one only.
      const i = waiting.findIndex((w) => w.startMs <= f.endMs && f.startMs <= w.endMs && (w.direction === null || f.direction === null || w.direction !== f.direction));
      if (i >= 0) {
        const other = waiting[i];
        waiting.splice(i, 1);
        if (waiting.length === 0) this.pending.delete(reverse);
        this.count--;
        this.stitched++;
        out.push(this.pair(other, f));
        return;
      }
    }
    const key = Stitcher.key(f.iface, f.src, f.srcPort, f.dst, f.dstPort, f.protocol);
    const list = this.pending.get(key);
    if (list === undefined) this.pending.set(key, [f]);
    else list.push(f);
    this.count++;
    // Checked every EVICT_EVERY adds, not every add: walking a Map from its start passes the slots of
    // the entries deleted since its last rehash, which made a walk per record quadratic.
    if (++this.sinceEvict >= EVICT_EVERY || this.count > MAX_PENDING) {
      this.sinceEvict = 0;
      this.evict(out, false);
    }
  }

  /** Everything still waiting goes out one-way. */
  end(out: TrafficRecord[]): void {
    this.evict(out, true);
  }

  private evict(out: TrafficRecord[], all: boolean): void {
    const horizon = this.latestStart - WAIT_MS;
    // Insertion order is roughly time order: stop at the first key still in its wait.
    for (const [key, list] of this.pending) {
      if (!all && this.count <= MAX_PENDING && list[0].endMs >= horizon) break;
      this.pending.delete(key);
      this.count -= list.length;
      for (const f of list) {
        this.oneWay++;
        out.push(this.single(f));
      }
    }
  }

  /** Two records of one connection: a is the earlier-logged. */
  private pair(a: Flow, b: Flow): TrafficRecord {
    const byA = initiatedBySource(a);
    const byB = initiatedBySource(b);
    // a initiated unless the evidence says b did.
    const init = byA < 0 || (byA === 0 && byB > 0) ? b : a;
    const resp = init === a ? b : a;
    return makeRecord({
      bytesIn: init.bytes,
      bytesOut: resp.bytes,
      creationMs: Math.min(a.startMs, b.startMs),
      endMs: Math.max(a.endMs, b.endMs),
      srcIp: init.src,
      protocol: init.protocol,
      dstPort: init.dstPort,
      action: init.action === 'REJECT' || resp.action === 'REJECT' ? 'REJECT' : (init.action ?? resp.action),
      id: `${Math.min(a.line, b.line)}+${Math.max(a.line, b.line)}`,
    });
  }

  /** A connection seen one way: the client's side is known, the other absent. */
  private single(f: Flow): TrafficRecord {
    const fromClient = initiatedBySource(f) >= 0;
    return makeRecord({
      bytesIn: fromClient ? f.bytes : null,
      bytesOut: fromClient ? null : f.bytes,
      creationMs: f.startMs,
      endMs: f.endMs,
      srcIp: fromClient ? f.src : f.dst,
      protocol: f.protocol,
      dstPort: fromClient ? f.dstPort : f.srcPort,
      action: f.action,
      id: f.line,
    });
  }
}
