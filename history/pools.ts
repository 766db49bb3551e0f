// Well-known Uniswap v3 pools: chain, address, tokens in pool order (token0 is the token with the
// lower address), decimals and fee tier. A history file named by chain and address (demeter-fetch's
// `ethereum-0x4e68ccd3e89f51c3074ca5072bbac773960dfa36-2023-10-01.tick.csv`, or a prefix of at
// least 4 hex digits, `polygon-0x45dd-...`) gets its pair and tier from here when the name carries
// no symbols. The most traded v3 pools of these pairs (history/README.md, "The pool table");
// test/history-pair.test.ts checks each entry's token order against the token addresses below
// (token0 is the lower address), and the shipped files' pools against their file names.

/** Mainnet token addresses (lowercase) and decimals of the tokens in the table. */
export const TOKENS: Record<string, Record<string, { address: string; decimals: number }>> = {
  ethereum: {
    USDC: { address: "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48", decimals: 6 },
    USDT: { address: "0xdac17f958d2ee523a2206206994597c13d831ec7", decimals: 6 },
    DAI: { address: "0x6b175474e89094c44da98b954eedeac495271d0f", decimals: 18 },
    WETH: { address: "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2", decimals: 18 },
    WBTC: { address: "0x2260fac5e5542a773aa44fbcfedf7c193bc2c599", decimals: 8 },
  },
  polygon: {
    // Bridged USDC (USDC.e), the token of the 0x45dd pool; called USDC in the shipped data.
    USDC: { address: "0x2791bca1f2de4661ed88a30c99a7a9449aa84174", decimals: 6 },
    WETH: { address: "0x7ceb23fd6bc0add59e62ac25578270cff1b9f619", decimals: 18 },
  },
};

export interface KnownPool {
  chain: string;
  /** Lowercase, 0x + 40 hex digits. */
  address: string;
  token0: string;
  token1: string;
  feePips: number;
}

export const KNOWN_POOLS: readonly KnownPool[] = [
  { chain: "ethereum", address: "0xe0554a476a092703abdb3ef35c80e0d76d32939f", token0: "USDC", token1: "WETH", feePips: 100 },
  { chain: "ethereum", address: "0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640", token0: "USDC", token1: "WETH", feePips: 500 },
  { chain: "ethereum", address: "0x8ad599c3a0ff1de082011efddc58f1908eb6e6d8", token0: "USDC", token1: "WETH", feePips: 3000 },
  { chain: "ethereum", address: "0x7bea39867e4169dbe237d55c8242a8f2fcdcc387", token0: "USDC", token1: "WETH", feePips: 10000 },
  { chain: "ethereum", address: "0x11b815efb8f581194ae79006d24e0d814b7697f6", token0: "WETH", token1: "USDT", feePips: 500 },
  { chain: "ethereum", address: "0x4e68ccd3e89f51c3074ca5072bbac773960dfa36", token0: "WETH", token1: "USDT", feePips: 3000 },
  { chain: "ethereum", address: "0x60594a405d53811d3bc4766596efd80fd545a270", token0: "DAI", token1: "WETH", feePips: 500 },
  { chain: "ethereum", address: "0xc2e9f25be6257c210d7adf0d4cd6e3e881ba25f8", token0: "DAI", token1: "WETH", feePips: 3000 },
  { chain: "ethereum", address: "0x4585fe77225b41b697c938b018e2ac67ac5a20c0", token0: "WBTC", token1: "WETH", feePips: 500 },
  { chain: "ethereum", address: "0xcbcdf9626bc03e24f779434178a73a0b4bad62ed", token0: "WBTC", token1: "WETH", feePips: 3000 },
  { chain: "ethereum", address: "0x3416cf6c708da44db2624d63ea0aaef7113527c6", token0: "USDC", token1: "USDT", feePips: 100 },
  { chain: "polygon", address: "0x45dda9cb7c25131df268515131f647d726f50608", token0: "USDC", token1: "WETH", feePips: 500 },
];

/**
 * The table's pool on `chain` whose address starts with `address` (at least 4 hex digits after
 * 0x), or, without a chain, the one whose address is `address` in full; undefined when none or more
 * than one matches.
 */
export function knownPool(chain: string | undefined, address: string | undefined): KnownPool | undefined {
  if (!address || !/^0x[0-9a-f]{4,40}$/.test(address)) return undefined;
  const hits = chain ? KNOWN_POOLS.filter((p) => p.chain === chain && p.address.startsWith(address)) : KNOWN_POOLS.filter((p) => p.address === address);
  return hits.length === 1 ? hits[0] : undefined;
}
