// Small typed helpers over viem for talking to one chain: clients, deployment, and waiting for
// transactions, each a single function.
import {
  createPublicClient, createWalletClient, http, defineChain, type Abi, type Account, type Address, type Hex,
  type PublicClient, type WalletClient, type Transport, type Chain,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { Artifact } from "./artifacts.ts";
import { WsRpcClient, type WsRpcOptions } from "./wsRpc.ts";

/** Anvil's first default account: a well-known key, only ever for local chains. */
export const ANVIL_DEV_KEY: Hex = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

export interface Clients {
  public: PublicClient<Transport, Chain>;
  wallet: WalletClient<Transport, Chain, Account>;
  account: Account;
  chain: Chain;
  /** Set when the endpoint is ws:// or wss://: the one socket every call goes through. */
  ws?: WsRpcClient;
  /** Releases the connection (closes the WebSocket; nothing to do for HTTP). */
  close(): void;
}

export const isWebSocketUrl = (url: string) => /^wss?:\/\//i.test(url);

/**
 * Clients for `rpcUrl`: HTTP for http(s)://, one reconnecting WebSocket (wsRpc.ts) for ws(s)://,
 * over which the keeper also subscribes to new heads.
 */
export async function connect(rpcUrl: string, privateKey: Hex, wsOptions: WsRpcOptions = {}): Promise<Clients> {
  const ws = isWebSocketUrl(rpcUrl) ? new WsRpcClient(rpcUrl, wsOptions) : undefined;
  const transport: Transport = ws ? ws.transport() : http(rpcUrl);
  let chainId: number;
  try {
    chainId = await createPublicClient({ transport }).getChainId();
  } catch (e) {
    ws?.close();
    throw e;
  }
  const chain = defineChain({
    id: chainId,
    name: `chain-${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: ws ? { http: [], webSocket: [rpcUrl] } : { http: [rpcUrl] } },
  });
  const account = privateKeyToAccount(privateKey);
  return {
    public: createPublicClient({ chain, transport }),
    wallet: createWalletClient({ chain, transport, account }),
    account,
    chain,
    ws,
    close: () => ws?.close(),
  };
}

export async function deploy(clients: Clients, artifact: Artifact, args: readonly unknown[] = []): Promise<Address> {
  const hash = await clients.wallet.deployContract({ abi: artifact.abi, bytecode: artifact.bytecode, args: args as unknown[] });
  const receipt = await clients.public.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success" || !receipt.contractAddress) throw new Error(`deployment reverted (tx ${hash})`);
  return receipt.contractAddress;
}

/** Sends a contract call and waits for it; a revert is thrown with the decoded reason. */
export async function send(clients: Clients, address: Address, abi: Abi, functionName: string, args: readonly unknown[] = [], gas?: bigint) {
  const { request } = await clients.public.simulateContract({ address, abi, functionName, args: args as unknown[], account: clients.account, gas });
  const hash = await clients.wallet.writeContract(request);
  const receipt = await clients.public.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`${functionName} reverted (tx ${hash})`);
  return receipt;
}
