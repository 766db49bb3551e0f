// Closed forms the simulation is validated against.
//
// Loss-versus-rebalancing (Milionis, Moallemi, Roughgarden, Zhang 2022): for a constant-product
// pool of value V under GBM with volatility sigma, LVR accrues at sigma^2 / 8 * V per unit time.
//
// Arbitrage profits with fees and discrete blocks (Milionis, Moallemi, Roughgarden 2023,
// "Automated Market Making and Arbitrage Profits in the Presence of Fees"): blocks arrive as a
// Poisson process of rate lambda; at each block an arbitrageur trades the pool back to the edge of
// the no-trade band whenever the mispricing z = log(P_pool / P_ref) lies outside it. Between
// blocks z diffuses with variance sigma^2. Its stationary law is uniform on the band [-b, b] with
// exponential tails of rate zeta = sqrt(2 lambda) / sigma, so an arbitrageur trades in a block
// with probability P_trade = 1 / (1 + zeta b).
//
// v4 charges the fee gamma on the input, so the band is P_ref (1 - gamma) <= P_pool <=
// P_ref / (1 - gamma): b = -ln(1 - gamma). For the constant-product pool with liquidity L, an
// arbitrage from excess u = |z| - b earns L (sqrt P_pool - sqrt Q)^2 / sqrt P_pool (Q the band edge),
// which is 2 (1 - gamma)^(-1/2) sinh^2(u / 4) times V = 2 L sqrt(P_ref). Integrating over the
// exponential tail gives the exact rate
//
//   ARB / V = lambda e^(b/2) / (4 (1 + zeta b) (zeta^2 - 1/4))
//           = sigma^2 / 8 * P_trade * e^(b/2) / (1 - sigma^2 / (8 lambda)),
//
// which is MMR's constant-product result in v4's fee convention; as lambda -> infinity with
// gamma = 0 it is the LVR rate sigma^2 / 8, and for small b and sigma^2 / lambda it is MMR's headline
// approximation LVR x P_trade.

/** LVR of a constant-product pool per unit time, as a fraction of pool value. */
export function lvrRateCP(sigma: number): number {
  return (sigma * sigma) / 8;
}

/** Half-width of the no-arbitrage band in log price for a v4 fee (pips). */
export function bandHalfWidth(feePips: number): number {
  return -Math.log(1 - feePips / 1e6);
}

/** Probability that a block carries an arbitrage (MMR 2023). `lambda`: blocks per unit time. */
export function pTrade(sigma: number, lambda: number, feePips: number): number {
  const zeta = Math.sqrt(2 * lambda) / sigma;
  return 1 / (1 + zeta * bandHalfWidth(feePips));
}

/** Exact arbitrage profit rate of a constant-product pool, fraction of pool value per unit time. */
export function arbRateCP(sigma: number, lambda: number, feePips: number): number {
  const zeta2 = (2 * lambda) / (sigma * sigma);
  const b = bandHalfWidth(feePips);
  return (lambda * Math.exp(b / 2)) / (4 * (1 + Math.sqrt(zeta2) * b) * (zeta2 - 0.25));
}

/** MMR's leading-order approximation: LVR x P_trade. */
export function arbRateCPApprox(sigma: number, lambda: number, feePips: number): number {
  return lvrRateCP(sigma) * pTrade(sigma, lambda, feePips);
}

/** Instantaneous LVR of concentrated liquidity L at raw price R (token1 raw per unit time, per sigma^2). */
export function lvrDensity(liquidity: number, R: number, sqrtLower: number, sqrtUpper: number): number {
  const s = Math.sqrt(R);
  if (s <= sqrtLower || s >= sqrtUpper) return 0;
  // sigma^2 / 2 * R^2 * |dx/dR| with x = L (1/sqrt R - 1/sqrt Pu): = sigma^2 * L * sqrt(R) / 4
  return (liquidity * s) / 4;
}
