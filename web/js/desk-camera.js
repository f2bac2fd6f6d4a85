// Reading badges with the camera, as an alternative to a USB scanner.
//
//   if (cameraSupported()) startCamera(video, (text) => scan(text)) → stop()
//
// The browser's own BarcodeDetector reads the QR codes where it has one (Chromium on
// Android, ChromeOS and macOS). Elsewhere (Chromium on Linux and Windows, Firefox) the
// frames go to jsQR (web/vendor/jsqr/jsQR.js, fetched from the npm registry by
// deploy/lib/common.sh, ensure_web_vendor; loaded by a <script> element only then: no bundler).
// Without getUserMedia (no camera API, or a page not served over https) the desk offers no
// camera; the scanner and the search still work.

const JSQR_SRC = '/vendor/jsqr/jsQR.js';

/** True when this browser can show the camera (a QR decoder is always at hand). */
export function cameraSupported() {
  return Boolean(navigator.mediaDevices?.getUserMedia);
}

let jsqrLoading = null;
function loadJsQR() {
  if (typeof globalThis.jsQR === 'function') return Promise.resolve(globalThis.jsQR);
  if (!jsqrLoading) {
    jsqrLoading = new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = JSQR_SRC;
      script.async = true;
      script.onload = () => (typeof globalThis.jsQR === 'function' ? resolve(globalThis.jsQR) : reject(new Error('jsQR did not load')));
      script.onerror = () => reject(new Error(`${JSQR_SRC} could not be loaded`));
      document.head.append(script);
    }).catch((err) => {
      jsqrLoading = null;
      throw err;
    });
  }
  return jsqrLoading;
}

/** A function reading the QR codes in the video's current frame: resolves to their texts. */
async function qrReader(video) {
  if (typeof globalThis.BarcodeDetector === 'function') {
    try {
      const formats = (await globalThis.BarcodeDetector.getSupportedFormats?.()) ?? ['qr_code'];
      if (formats.includes('qr_code')) {
        const detector = new globalThis.BarcodeDetector({ formats: ['qr_code'] });
        return async () => (await detector.detect(video)).map((code) => code.rawValue ?? '');
      }
    } catch {
      // fall back to jsQR
    }
  }
  const jsQR = await loadJsQR();
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d', { willReadFrequently: true });
  return async () => {
    const width = video.videoWidth;
    const height = video.videoHeight;
    if (!width || !height) return [];
    canvas.width = width;
    canvas.height = height;
    context.drawImage(video, 0, 0, width, height);
    const code = jsQR(context.getImageData(0, 0, width, height).data, width, height, { inversionAttempts: 'dontInvert' });
    return code?.data ? [code.data] : [];
  };
}

// The same badge held in front of the camera is read once, not at every frame.
const SAME_CODE_PAUSE_MS = 3000;
const FRAME_INTERVAL_MS = 200;

/**
 * Shows the back camera in `video` and calls onCode(text) for each QR code read.
 * Resolves to stop(); rejects when there is no camera or it is refused.
 */
export async function startCamera(video, onCode) {
  const read = await qrReader(video);
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
        for (const text of await read()) {
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
