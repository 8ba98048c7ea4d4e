/**
 * Configuration from the environment, validated once at boot. A bad value stops
 * the start with a message naming the variable and how to fix it. Every
 * variable is listed in .env.example and in docs/operations.md.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { getHeapStatistics } from 'node:v8';

export interface Config {
  /** worker processes behind the port (node:cluster); 1: this process serves alone */
  workers: number;
  host: string;
  port: number;
  modelDir: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** null disables POST /train and POST /model/rollback (403) */
  adminToken: string | null;
  batchLimit: number;
  /** bytes, POST /score and every route without its own limit */
  bodyLimit: number;
  /** bytes, POST /batch */
  batchBodyLimit: number;
  /** bytes, POST /train */
  trainBodyLimit: number;
  /** bytes, a streamed POST /batch (Accept: application/x-ndjson) */
  streamBodyLimit: number;
  /** rows, POST /train */
  trainRowLimit: number;
  /** versions kept in MODEL_DIR */
  keepVersions: number;
  /** age past which another owner's MODEL_DIR training lock is taken over, ms */
  trainLockStaleMs: number;
  /** how often MODEL_DIR/CURRENT is checked for a version written by another replica; 0 disables */
  reloadIntervalMs: number;
  requestTimeoutMs: number;
  connectionTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** overload: event-loop delay (ms) past which requests get 503; 0 disables */
  maxEventLoopDelayMs: number;
  /** overload: V8 heap used (bytes) past which requests get 503; 0 disables */
  maxHeapUsedBytes: number;
  /** overload: resident set size (bytes) past which requests get 503; 0 disables */
  maxRssBytes: number;
  /** Retry-After of a 503, seconds */
  retryAfterSeconds: number;
  /** scored records the drift window covers; 0 disables drift tracking */
  driftWindow: number;
  /** where scoring jobs keep their bodies, state and results (shared by every worker and replica) */
  jobsDir: string;
  /** seconds a finished job is kept */
  jobsTtlSeconds: number;
  /** unfinished (queued or running) jobs at once; more is a 429 */
  jobsMaxConcurrent: number;
  /** bytes all jobs may take on disk; past it a new job is a 507 */
  jobsMaxDiskBytes: number;
  /** bytes of one job's body (after gzip); more is a 413 */
  jobsBodyLimit: number;
  /** scoring threads a job uses */
  jobsThreads: number;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const MIB = 1024 * 1024;

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name}="${raw}" is invalid: set it to an integer from ${min} to ${max}, or unset it for the default ${fallback}`);
  }
  return n;
}

/** WORKERS: a count, or `auto` for the cores this process may use. */
function workers(env: Env): number {
  const raw = (env.WORKERS ?? '').trim();
  if (raw.toLowerCase() === 'auto') return availableParallelism();
  return int(env, 'WORKERS', 1, 1, 256);
}

/** JOBS_DIR: default `jobs` beside the models, so one volume holds both. */
function jobsDir(env: Env): string {
  const raw = (env.JOBS_DIR ?? './jobs').trim();
  if (raw === '') throw new ConfigError('JOBS_DIR is empty: set the directory scoring jobs are kept in, e.g. ./jobs');
  return raw;
}

/**
 * Reads and validates the configuration.
 * @param env defaults to process.env
 * @throws ConfigError naming the variable and the fix
 */
export function loadConfig(env: Env = process.env): Config {
  const logLevel = (env.LOG_LEVEL ?? 'info').trim() as Config['logLevel'];
  if (!LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL="${env.LOG_LEVEL}" is invalid: use one of ${LEVELS.join(', ')}`);
  const adminToken = env.ADMIN_TOKEN === undefined || env.ADMIN_TOKEN === '' ? null : env.ADMIN_TOKEN;
  if (adminToken !== null && adminToken.length < 16) {
    throw new ConfigError('ADMIN_TOKEN is too short: use at least 16 characters (e.g. `openssl rand -hex 32`), or unset it to disable training');
  }
  const host = (env.HOST ?? '0.0.0.0').trim();
  if (host === '') throw new ConfigError('HOST is empty: set an address to listen on, e.g. 0.0.0.0 or 127.0.0.1');
  const modelDir = (env.MODEL_DIR ?? './models').trim();
  if (modelDir === '') throw new ConfigError('MODEL_DIR is empty: set the directory holding the model bundle, e.g. ./models');
  return {
    workers: workers(env),
    host,
    port: int(env, 'PORT', 3000, 0, 65535),
    modelDir,
    logLevel,
    adminToken,
    batchLimit: int(env, 'BATCH_LIMIT', 10_000, 1, 1_000_000),
    bodyLimit: int(env, 'BODY_LIMIT', 1 * MIB, 1024, 1024 * MIB),
    batchBodyLimit: int(env, 'BATCH_BODY_LIMIT', 16 * MIB, 1024, 1024 * MIB),
    trainBodyLimit: int(env, 'TRAIN_BODY_LIMIT', 64 * MIB, 1024, 4096 * MIB),
    streamBodyLimit: int(env, 'STREAM_BODY_LIMIT', 1024 * MIB, 1024, 1024 * 1024 * MIB),
    trainRowLimit: int(env, 'TRAIN_ROW_LIMIT', 200_000, 10, 10_000_000),
    keepVersions: int(env, 'KEEP_VERSIONS', 5, 2, 1000),
    trainLockStaleMs: int(env, 'TRAIN_LOCK_STALE_MS', 30 * 60_000, 1000, 7 * 24 * 3_600_000),
    reloadIntervalMs: int(env, 'RELOAD_INTERVAL_MS', 2000, 0, 3_600_000),
    requestTimeoutMs: int(env, 'REQUEST_TIMEOUT_MS', 120_000, 1000, 3_600_000),
    connectionTimeoutMs: int(env, 'CONNECTION_TIMEOUT_MS', 120_000, 1000, 3_600_000),
    keepAliveTimeoutMs: int(env, 'KEEP_ALIVE_TIMEOUT_MS', 72_000, 1000, 3_600_000),
    maxEventLoopDelayMs: int(env, 'MAX_EVENT_LOOP_DELAY_MS', 1000, 0, 600_000),
    // Default: 90% of V8's heap limit, so the process sheds load before it dies of heap exhaustion.
    maxHeapUsedBytes: int(env, 'MAX_HEAP_USED_BYTES', Math.floor(getHeapStatistics().heap_size_limit * 0.9), 0, Number.MAX_SAFE_INTEGER),
    maxRssBytes: int(env, 'MAX_RSS_BYTES', 0, 0, Number.MAX_SAFE_INTEGER),
    retryAfterSeconds: int(env, 'RETRY_AFTER_SECONDS', 5, 1, 3600),
    driftWindow: int(env, 'DRIFT_WINDOW', 10_000, 0, 10_000_000),
    jobsDir: jobsDir(env),
    jobsTtlSeconds: int(env, 'JOBS_TTL', 24 * 3600, 1, 365 * 24 * 3600),
    jobsMaxConcurrent: int(env, 'JOBS_MAX_CONCURRENT', 4, 1, 1000),
    jobsMaxDiskBytes: int(env, 'JOBS_MAX_DISK_BYTES', 10 * 1024 * MIB, 1024, Number.MAX_SAFE_INTEGER),
    jobsBodyLimit: int(env, 'JOBS_BODY_LIMIT', 2048 * MIB, 1024, Number.MAX_SAFE_INTEGER),
    jobsThreads: int(env, 'JOBS_THREADS', availableParallelism(), 1, 64),
  };
}

/**
 * Reads `path` (default ./.env) into process.env when it exists, as `KEY=value` lines; a variable
 * already set in the environment keeps its value (process.loadEnvFile's rule).
 * @returns whether a file was read
 */
export function loadEnvFile(path = '.env'): boolean {
  if (!existsSync(path)) return false;
  try {
    process.loadEnvFile(path);
  } catch (err) {
    throw new ConfigError(`${path} cannot be read: ${(err as Error).message}`);
  }
  return true;
}
