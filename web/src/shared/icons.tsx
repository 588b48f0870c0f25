// Vote icons as inline SVG: emoji fonts are missing on many machines (and in OBS on Linux).
const THUMB = 'M2 10h4v11H2zM8 21h9.5a2 2 0 0 0 2-1.6l1.4-7A2 2 0 0 0 19 10h-5.5l.9-4.3a1.7 1.7 0 0 0-3.1-1.2L8 9.5z';

export function Thumb({ down = false }: { down?: boolean }) {
  return (
    <svg class="thumb" viewBox="0 0 24 24" width="1em" height="1em" aria-hidden="true">
      <path d={THUMB} fill="currentColor" transform={down ? 'rotate(180 12 12)' : undefined} />
    </svg>
  );
}

// "▲ 7 ▼ 3"-style tally; data-up / data-down carry the numbers for scripts and tests.
export function VoteCounts({ up, down, testId }: { up: number; down: number; testId?: string }) {
  return (
    <span class="votes" data-testid={testId} data-up={up} data-down={down} aria-label={`${up} up, ${down} down`}>
      <span class="up"><Thumb /> {up}</span> <span class="down"><Thumb down /> {down}</span>
    </span>
  );
}
