import pino, { type Logger, type LevelWithSilent } from 'pino';

/** The process logger: JSON lines on stderr (stdout stays free for command output and the live view). */
export function createLogger(level: LevelWithSilent = 'info', name = 'smarthome-bridge'): Logger {
  return pino({ name, level, redact: { paths: ['password', '*.password', 'options.password'], censor: '***' } }, pino.destination(2));
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
