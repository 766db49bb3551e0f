pragma circom 2.1.0;

// 8 pools per proof: see batch.circom

include "batch.circom";

component main {public [poolWord, commitment, termsWord, context]} = ProvenFeeBatch(8);
