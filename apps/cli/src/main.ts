/** Entry point of the `antidote` bin (see ../bin/antidote.mjs). */
import { runCli } from './cli.ts';
import { flushStream } from './output.ts';

// `antidote ... | head` closes stdout early: stop quietly instead of crashing on EPIPE.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const code = await runCli(process.argv.slice(2));
// Exit explicitly (tfjs may keep handles open), but only once stdout and stderr are flushed.
await Promise.all([flushStream(process.stdout), flushStream(process.stderr)]);
process.exit(code);
