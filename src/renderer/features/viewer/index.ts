/** What other features may use from the viewer (features meet at index files). */
export { useBlobBytes, useHeatmapValues, fetchBytes } from './blobData';
export { ErrorLegend } from './OverlayLegend';
