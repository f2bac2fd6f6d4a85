// The desk's beeps (WebAudio): one high beep for green, two for amber, one low for red.
// The audio context is made on the first call, which comes from a key press or a click
// (browsers let a page make sound only after a gesture). Silent where WebAudio is missing.

let context = null;

function audio() {
  if (context) return context;
  const Context = globalThis.AudioContext ?? globalThis.webkitAudioContext;
  if (!Context) return null;
  try {
    context = new Context();
  } catch {
    context = null;
  }
  return context;
}

function tone(ctx, frequency, start, duration) {
  const oscillator = ctx.createOscillator();
  const gain = ctx.createGain();
  oscillator.type = 'square';
  oscillator.frequency.value = frequency;
  // A short ramp at both ends: no click.
  gain.gain.setValueAtTime(0.0001, start);
  gain.gain.exponentialRampToValueAtTime(0.2, start + 0.01);
  gain.gain.setValueAtTime(0.2, start + duration - 0.02);
  gain.gain.exponentialRampToValueAtTime(0.0001, start + duration);
  oscillator.connect(gain).connect(ctx.destination);
  oscillator.start(start);
  oscillator.stop(start + duration + 0.01);
}

const PATTERNS = {
  green: [[1320, 0, 0.15]],
  amber: [
    [660, 0, 0.12],
    [660, 0.2, 0.12],
  ],
  red: [[220, 0, 0.45]],
};

/** Wake the audio context inside a user gesture, so that later beeps may sound. */
export function primeSound() {
  const ctx = audio();
  if (ctx?.state === 'suspended') ctx.resume().catch(() => {});
}

/** Beep for a result colour: "green", "amber" or "red". */
export function beep(colour) {
  const ctx = audio();
  const pattern = PATTERNS[colour];
  if (!ctx || !pattern) return;
  try {
    if (ctx.state === 'suspended') ctx.resume().catch(() => {});
    const now = ctx.currentTime + 0.01;
    for (const [frequency, offset, duration] of pattern) tone(ctx, frequency, now + offset, duration);
  } catch {
    // no sound: the result is on screen anyway
  }
}
