// Reading badges with the camera, as an alternative to a USB scanner: the browser's own
// BarcodeDetector (Chromium on Android, ChromeOS and macOS) reads QR codes from the video.
//
//   if (cameraSupported()) startCamera(video, (text) => scan(text), onProblem) → stop()
//
// No bundler and no decoding library: where the browser has no BarcodeDetector for QR
// codes, the desk offers no camera (the scanner and the search still work).

/** True when this browser can read a QR code from the camera. */
export function cameraSupported() {
  return typeof globalThis.BarcodeDetector === 'function' && Boolean(navigator.mediaDevices?.getUserMedia);
}

async function qrDetector() {
  const formats = (await globalThis.BarcodeDetector.getSupportedFormats?.()) ?? ['qr_code'];
  if (!formats.includes('qr_code')) throw new Error('qr_unsupported');
  return new globalThis.BarcodeDetector({ formats: ['qr_code'] });
}

// The same badge held in front of the camera is read once, not at every frame.
const SAME_CODE_PAUSE_MS = 3000;
const FRAME_INTERVAL_MS = 200;

/**
 * Shows the back camera in `video` and calls onCode(text) for each QR code read.
 * Resolves to stop(); rejects when there is no camera or it is refused.
 */
export async function startCamera(video, onCode) {
  const detector = await qrDetector();
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
  video.srcObject = stream;
  await video.play();
  let stopped = false;
  let timer = null;
  let last = { text: '', at: 0 };

  async function look() {
    if (stopped) return;
    try {
      if (video.readyState >= 2) {
        for (const code of await detector.detect(video)) {
          const text = code.rawValue ?? '';
          const now = Date.now();
          if (!text || (text === last.text && now - last.at < SAME_CODE_PAUSE_MS)) continue;
          last = { text, at: now };
          onCode(text);
        }
      }
    } catch {
      // a frame that could not be read: try the next one
    }
    if (!stopped) timer = setTimeout(look, FRAME_INTERVAL_MS);
  }
  look();

  return function stop() {
    stopped = true;
    clearTimeout(timer);
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
  };
}
