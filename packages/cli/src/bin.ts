#!/usr/bin/env node
import { runCli } from './cli.js';

// `whizbang trace range ... | head` closes the pipe early: stop quietly instead of throwing EPIPE.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

process.exitCode = await runCli(process.argv.slice(2), process);
