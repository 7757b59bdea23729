#!/usr/bin/env node
// Thin launcher: the CLI lives in the compiled library (npm's `prepare` builds it).
import { main } from '../build/src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
