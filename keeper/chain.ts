// Small typed helpers over viem for talking to one chain: clients, deployment, and waiting for
// transactions, each a single function.
import {
  createPublicClient, createWalletClient, http, defineChain, type Abi, type Account, type Address, type Hex,
  type PublicClient, type WalletClient, type Transport, type Chain,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { Artifact } from "./artifacts.ts";

/** Anvil's first default account: a well-known key, only ever for local chains. */
export const ANVIL_DEV_KEY: Hex = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

export interface Clients {
  public: PublicClient<Transport, Chain>;
  wallet: WalletClient<Transport, Chain, Account>;
  account: Account;
  chain: Chain;
}

export async function connect(rpcUrl: string, privateKey: Hex): Promise<Clients> {
  const probe = createPublicClient({ transport: http(rpcUrl) });
  const chainId = await probe.getChainId();
  const chain = defineChain({
    id: chainId,
    name: `chain-${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  const account = privateKeyToAccount(privateKey);
  return {
    public: createPublicClient({ chain, transport: http(rpcUrl) }),
    wallet: createWalletClient({ chain, transport: http(rpcUrl), account }),
    account,
    chain,
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
