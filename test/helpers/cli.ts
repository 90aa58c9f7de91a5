/** Runs bin/jetkeeper.js as a child process, as a user would, collecting its output. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const JETKEEPER_BIN = fileURLToPath(new URL('../../../bin/jetkeeper.js', import.meta.url));

export function runJetkeeper(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [JETKEEPER_BIN, ...args], { env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}
