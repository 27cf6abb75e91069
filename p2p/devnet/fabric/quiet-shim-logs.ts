/**
 * fabric-shim logs every transaction at INFO and several lines at DEBUG through
 * winston; its log level is read from this variable when its modules load, so this
 * module is imported before fabric-shim. Winston also builds and pushes every message
 * through its stream pipeline before a transport drops it for its level: messages
 * below the level are dropped here at the logger's door instead (nothing else changes;
 * a level raised later still logs).
 */
import { createRequire } from 'node:module';

process.env.CORE_CHAINCODE_LOGGING_LEVEL ??= 'ERROR';

interface WinstonLogger {
  level: string;
  levels: Record<string, number>;
  transports: Array<{ level?: string }>;
  isLevelEnabled(level: string): boolean;
  write(...args: unknown[]): boolean;
  [method: string]: unknown;
}
type LevelMethod = (this: WinstonLogger, ...args: unknown[]) => WinstonLogger;

// Resolved from fabric-shim: the winston instance it logs with (winston is not our dependency).
const require = createRequire(import.meta.url);
const shimRequire = createRequire(require.resolve('fabric-shim/lib/logger.js'));
const winston = shimRequire('winston') as {
  createLogger: (options: unknown) => WinstonLogger;
  Logger: { prototype: WinstonLogger };
};

/** Below the logger's level, and no transport with a level of its own: nothing would be written. */
function dropped(logger: WinstonLogger, level: string): boolean {
  const value = logger.levels[level];
  const configured = logger.levels[logger.level];
  if (value === undefined || configured === undefined || value <= configured) return false;
  return logger.transports.every((transport) => transport.level === undefined);
}

// logger.info(...), logger.debug(...): each makes an info object and writes it to the stream.
const createLogger = winston.createLogger;
winston.createLogger = function (this: unknown, options: unknown): WinstonLogger {
  const logger = createLogger.call(this, options);
  for (const level of Object.keys(logger.levels)) {
    const log = logger[level] as LevelMethod | undefined;
    if (typeof log !== 'function') continue;
    logger[level] = function (this: WinstonLogger, ...args: unknown[]) {
      return dropped(logger, level) ? logger : log.apply(this ?? logger, args);
    };
  }
  return logger;
};

// logger.log(level, ...) and anything else that writes an info object.
const LEVEL = Symbol.for('level');
const streamWrite = winston.Logger.prototype.write;
winston.Logger.prototype.write = function (this: WinstonLogger, ...args: unknown[]) {
  const info = args[0] as { level?: string; [LEVEL]?: string } | null;
  const level = info?.[LEVEL] ?? info?.level;
  if (typeof level === 'string' && !this.isLevelEnabled(level)) return true;
  return streamWrite.apply(this, args);
};
