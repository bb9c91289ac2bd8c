/**
 * Shape checks shared by the token-analysis functions. Tensors arrive flat and row-major from the
 * model runtime; a length that disagrees with the declared shape means a manifest or adapter bug,
 * and indexing on regardless would read garbage silently.
 */

/** Throws unless `value` is an integer >= `min`. */
export function assertInteger(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
  }
}

/** Throws unless every dimension is a positive integer and `data` holds exactly their product. */
export function assertTensor(name: string, data: ArrayLike<number>, dims: readonly number[]): void {
  dims.forEach((dim, i) => assertInteger(`${name} dimension ${i}`, dim, 1));
  const expected = dims.reduce((product, dim) => product * dim, 1);
  if (data.length !== expected) {
    throw new RangeError(`${name}: ${data.length} values, expected ${expected} for shape [${dims.join(',')}]`);
  }
}
