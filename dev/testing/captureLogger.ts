import { LoggerService } from '@backstage/backend-plugin-api';

export interface LogLine {
  level: 'error' | 'warn' | 'info' | 'debug';
  message: string;
  meta: Record<string, unknown>;
}

/** A LoggerService that keeps every line, its children's included, for assertions. */
export function captureLogger(): LoggerService & { lines: LogLine[]; text(): string } {
  const lines: LogLine[] = [];
  const make = (base: Record<string, unknown>): LoggerService => {
    const write = (level: LogLine['level']) => (message: string, meta?: Error | Record<string, unknown>) => {
      lines.push({ level, message, meta: { ...base, ...(meta instanceof Error ? { error: meta.message } : meta) } });
    };
    return {
      error: write('error'),
      warn: write('warn'),
      info: write('info'),
      debug: write('debug'),
      child: meta => make({ ...base, ...meta }),
    };
  };
  return Object.assign(make({}), {
    lines,
    text: () => lines.map(line => `${line.level} ${line.message} ${JSON.stringify(line.meta)}`).join('\n'),
  });
}
