import { useEffect, useState } from 'react';

/** Loads an <img>; a late load for a previous URL is dropped. */
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
