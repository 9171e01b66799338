// Runs each workspace's `npm test` (jest), a few at a time, the longest first: the run ends when
// its last workspace does, so the long ones must not start last (turbo picks an arbitrary order).
import { spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * Workspaces that take longest, longest first (seconds measured in `npm test`'s timeline on a
 * 2-core machine: gateway 270-350, contacts 215-260, fault-tests 190-245, activities 105-135,
 * deals 100-170, analytics 100-120, messaging 50-65; every other one 15 or less).
 */
const LONGEST_FIRST = ['gateway', 'contacts', 'fault-tests', 'activities', 'deals', 'analytics', 'messaging'];

/** Every line of a child's output, prefixed with its workspace (as turbo does). */
function prefixed(stream, name, write) {
  let rest = '';
  stream.on('data', (chunk) => {
    const lines = (rest + chunk.toString('utf8')).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) write(`${name}: ${line}\n`);
  });
  stream.on('end', () => rest && write(`${name}: ${rest}\n`));
}

function runOne(root, { name, dir }, env) {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '-s', 'test'], { cwd: join(root, dir), env, stdio: ['ignore', 'pipe', 'pipe'] });
    prefixed(child.stdout, name, (line) => process.stdout.write(line));
    prefixed(child.stderr, name, (line) => process.stderr.write(line));
    child.once('error', () => resolve(1));
    child.once('close', (code) => resolve(code ?? 1));
  });
}

/**
 * Runs the tests of `workspaces` ({ name, dir }), `concurrency` at a time, the longest first.
 * Resolves with the names of those whose jest exited with an error.
 */
export async function runWorkspaceTests(root, workspaces, { concurrency, env }) {
  const rank = (name) => (LONGEST_FIRST.includes(name) ? LONGEST_FIRST.indexOf(name) : LONGEST_FIRST.length);
  const queue = [...workspaces].sort((a, b) => rank(a.name) - rank(b.name));
  const failed = [];
  await Promise.all(
    Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        if ((await runOne(root, next, env)) !== 0) failed.push(next.name);
      }
    }),
  );
  return failed;
}
