// A stage is one run of the engine the session drives: a checkpoint or a restart. The demo is
// two stages, the second started from the first's image.

import type { Run } from '../ckpt/engine.js';

export type StageKind = 'checkpoint' | 'restart';

export interface Stage {
  kind: StageKind;
  /** What the status line calls it, e.g. "checkpoint samples/hello.json". */
  label: string;
  /** Starts the engine; called when the stage begins. */
  start(): Run;
  /** Reads bytes of this stage's image (for the failure pane's record and hex dump). */
  imageBytes(offset: number, length: number): Buffer;
  /** The image's size, when it is known. */
  imageSize(): number | null;
}
