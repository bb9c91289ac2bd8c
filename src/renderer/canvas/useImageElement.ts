import { useEffect, useState } from 'react';

/**
 * Loads an <img>; a late load for a previous URL is dropped. The engine serves image blobs in the image's
 * pixel grid with no EXIF orientation left in them: Chromium applies EXIF orientation to drawImage and
 * createImageBitmap whatever `image-orientation` or `imageOrientation: 'none'` say (checked in Chromium
 * 150), so the bytes, not a browser switch, keep the canvas on the grid (test/e2e/exif-orientation.test.ts).
 */
export function useImageElement(url: string | null): { image: HTMLImageElement | null; error: string | null } {
  const [state, setState] = useState<{ url: string | null; image: HTMLImageElement | null; error: string | null }>({
    url: null,
    image: null,
    error: null,
  });
  useEffect(() => {
    if (url === null) return;
    let live = true;
    const img = new window.Image();
    img.decoding = 'async';
    img.onload = () => live && setState({ url, image: img, error: null });
    img.onerror = () => live && setState({ url, image: null, error: 'the image could not be loaded (moved or deleted since import?)' });
    img.src = url;
    return () => {
      live = false;
    };
  }, [url]);
  return state.url === url ? { image: state.image, error: state.error } : { image: null, error: null };
}
