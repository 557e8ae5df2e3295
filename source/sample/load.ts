// Reads a sample file: a missing file, bad JSON or a bad field is one SampleError line.

import * as fs from 'node:fs';
import { SampleError, parseSample } from './parse.js';
import type { Sample } from './schema.js';

export function loadSample(file: string): Sample {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new SampleError(file, '$', `cannot read the sample: ${err.code ?? err.message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new SampleError(file, '$', `not valid JSON: ${(e as Error).message}`);
  }
  const sample = parseSample(json, file);
  sample.origin = file;
  return sample;
}
