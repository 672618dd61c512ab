#!/usr/bin/env node
// The `antidote` command: tsx compiles the TypeScript sources (and @antidote/core's) on the fly.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
