pragma circom 2.1.0;

// 4 pools per proof: see batch.circom

include "batch.circom";

component main {public [poolWord, commitment, termsWord, context]} = ProvenFeeBatch(4);
