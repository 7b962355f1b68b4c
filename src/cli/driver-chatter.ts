/**
 * Dawn (the `webgpu` package) prints notices about the adapter's limits — on software drivers
 * "maxDynamicUniformBuffersPerPipelineLayout artificially reduced …", twice — straight to the
 * process's stderr from native code, where JavaScript cannot intercept them. So the command runs
 * its work in a child process whose stderr passes through a filter that drops exactly those
 * notices; `--verbose` runs in one process and shows them. Exit codes, stdout and stdin pass
 * through untouched; a terminal on stderr stays a terminal for the child's progress bars.
 */
import { spawn } from 'node:child_process';

/** Lines of Dawn's own that say nothing to a convpaint user. */
export const DRIVER_CHATTER: readonly RegExp[] = [/^Warning: \w+ artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.\r?$/];

const CHILD_FLAG = 'CONVPAINT_CLI_CHILD';

/** A stream filter: complete lines matching DRIVER_CHATTER vanish; everything else is written at once. */
export function chatterFilter(write: (text: string) => void): { push(chunk: string): void; end(): void } {
  let pending = '';
  const isChatter = (line: string) => DRIVER_CHATTER.some((re) => re.test(line));
  // A partial line is held back only while it could still become a chatter line.
  const couldBeChatter = (partial: string) => 'Warning: '.startsWith(partial) || partial.startsWith('Warning: ');
  return {
    push(chunk) {
      pending += chunk;
      let out = '';
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (!isChatter(line)) out += `${line}\n`;
      }
      if (pending && !couldBeChatter(pending)) {
        out += pending;
        pending = '';
      }
      if (out) write(out);
    },
    end() {
      if (pending && !isChatter(pending)) write(pending);
      pending = '';
    },
  };
}

/**
 * In the child: restores the parent's terminal facts on stderr. In the parent: runs the command
 * again as a child behind the filter and returns its exit code. Returns null when this process
 * should do the work itself (it is the child, or `--verbose` was given).
 */
export async function runBehindChatterFilter(argv: readonly string[]): Promise<number | null> {
  if (process.env[CHILD_FLAG] === '1') {
    if (process.env.CONVPAINT_STDERR_TTY === '1') {
      Object.defineProperty(process.stderr, 'isTTY', { value: true });
      process.stderr.columns = Number(process.env.CONVPAINT_STDERR_COLUMNS) || 80;
    }
    return null;
  }
  if (argv.includes('--verbose')) return null;
  const env = {
    ...process.env,
    [CHILD_FLAG]: '1',
    CONVPAINT_STDERR_TTY: process.stderr.isTTY ? '1' : '0',
    CONVPAINT_STDERR_COLUMNS: String(process.stderr.columns ?? 80),
  };
  const child = spawn(process.execPath, [...process.execArgv, ...argv.slice(1)], { stdio: ['inherit', 'inherit', 'pipe'], env });
  const filter = chatterFilter((text) => process.stderr.write(text));
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => filter.push(chunk));
  // Ctrl-C reaches the child too (same process group); wait for it to finish.
  const ignore = () => undefined;
  process.on('SIGINT', ignore);
  process.on('SIGTERM', ignore);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      filter.end();
      resolve(code ?? (signal ? 130 : 1));
    });
  });
}
