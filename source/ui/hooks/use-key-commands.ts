// Turns keypresses into commands through the key table; inactive when stdin cannot be raw.

import { useInput, useStdin, type Key } from 'ink';
import { bindingFor, type KeyCommand } from '../keys.js';

export type KeyHandlers = Partial<Record<KeyCommand, (input: string) => void>>;

/**
 * Calls before(input, key) for every key (autoplay gives way); it may return false to swallow the
 * key (an open overlay does). Then the command's handler runs.
 */
export function useKeyCommands(handlers: KeyHandlers, before?: (input: string, key: Key, command: KeyCommand | null) => boolean): void {
  const { isRawModeSupported } = useStdin();
  useInput(
    (input, key) => {
      const b = bindingFor(input, key);
      if (before && !before(input, key, b?.command ?? null)) return;
      if (b) handlers[b.command]?.(input);
    },
    { isActive: isRawModeSupported === true },
  );
}
