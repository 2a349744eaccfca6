#!/usr/bin/env node
import { analyzeUsage, runAnalyzeCommand } from './cli/analyze-command.js';

/**
 * `arbiter`: the command line of the gateway package. `arbiter analyze` runs a governance analysis against a running
 * gateway (ARBITER_URL, ARBITER_API_KEY). This entry point is the only place the CLI reads the environment.
 */
const [command, ...rest] = process.argv.slice(2);
const io = { env: { ...process.env }, stdout: process.stdout, stderr: process.stderr };

if (command === 'analyze') {
  process.exitCode = await runAnalyzeCommand(rest, io);
} else if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
  process.stdout.write(`Arbiter — AI gateway command line.\n\nCommands:\n  analyze   one query to many models, each answer timed, priced and judged\n\n${analyzeUsage}\n`);
} else {
  process.stderr.write(`arbiter: unknown command '${command}'. Try 'arbiter help'.\n`);
  process.exitCode = 2;
}
