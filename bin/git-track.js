#!/usr/bin/env node
import { commandName } from '../dist/command-name.js';

const argv = process.argv.slice(2);
// `log`, the hot path, runs from a one-file bundle of its own (scripts/build.mjs).
const { main } = await import(commandName(argv) === 'log' ? '../dist/log-cli.js' : '../dist/cli.js');
process.exitCode = await main(argv);
