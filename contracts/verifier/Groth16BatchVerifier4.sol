// SPDX-License-Identifier: GPL-3.0
/*
    Copyright 2021 0KIMS association.

    This file is generated with [snarkJS](https://github.com/iden3/snarkjs).

    snarkJS is a free software: you can redistribute it and/or modify it
    under the terms of the GNU General Public License as published by
    the Free Software Foundation, either version 3 of the License, or
    (at your option) any later version.

    snarkJS is distributed in the hope that it will be useful, but WITHOUT
    ANY WARRANTY; without even the implied warranty of MERCHANTABILITY
    or FITNESS FOR A PARTICULAR PURPOSE. See the GNU General Public
    License for more details.

    You should have received a copy of the GNU General Public License
    along with snarkJS. If not, see <https://www.gnu.org/licenses/>.
*/

pragma solidity >=0.7.0 <0.9.0;

contract Groth16BatchVerifier4 {
    // Scalar field size
    uint256 constant r    = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    // Base field size
    uint256 constant q   = 21888242871839275222246405745257275088696311157297823662689037894645226208583;

    // Verification Key data
    uint256 constant alphax  = 14294291758498479052431630691136979800555368062982273588229157016791328848110;
    uint256 constant alphay  = 2049885217811354469310449795985479169905075085871280688990300528089742092819;
    uint256 constant betax1  = 5485663142165149137975264716799339533433062303627481531273850075230171781270;
    uint256 constant betax2  = 1661378292950161941103168780522111697126348515339736108614060697571873958442;
    uint256 constant betay1  = 1526219591254981438563509525825760884797734173744186975127188398536606979652;
    uint256 constant betay2  = 10639433033454998908352047539070474549707209125950588389604314712397432647961;
    uint256 constant gammax1 = 11559732032986387107991004021392285783925812861821192530917403151452391805634;
    uint256 constant gammax2 = 10857046999023057135944570762232829481370756359578518086990519993285655852781;
    uint256 constant gammay1 = 4082367875863433681332203403145435568316851327593401208105741076214120093531;
    uint256 constant gammay2 = 8495653923123431417604973247489272438418190587263600148770280649306958101930;
    uint256 constant deltax1 = 5115543725435655383347014550698514265916288880317469445266975414995550330415;
    uint256 constant deltax2 = 14454481002797883114612298452812449501431426650739030314554930912069419932316;
    uint256 constant deltay1 = 3758278055833555938465479389866947320455462687522817588722407637720043736441;
    uint256 constant deltay2 = 1276228293648206506077392835224856150500071775472670722447976786941856620761;

    
    uint256 constant IC0x = 10253407064920681169019174973436516028007852243228241994823591791117598017031;
    uint256 constant IC0y = 2295188704990307808821974462645977657892687319497065318599734708161112945635;
    
    uint256 constant IC1x = 21564003511195927326752936880403487599655293261345723592733763814909674799592;
    uint256 constant IC1y = 14749924320733539662294706893431581134165535136030942016660924505107113872988;
    
    uint256 constant IC2x = 8071579857844963064250574220016912293706721202965824006261529200270054680730;
    uint256 constant IC2y = 18740609761358192683056203132848758349140328388118338771288734660361705729289;
    
    uint256 constant IC3x = 1210523706327817817240678963084639107982783073201816771064216098389465962203;
    uint256 constant IC3y = 21614009720935770180970303619647438498449953969883962056492344879768565897971;
    
    uint256 constant IC4x = 13055000000213768675064885795799060238048498338907204528547016113100288595083;
    uint256 constant IC4y = 19166022381229268936432989490625628763264761985678560811426268400096024887195;
    
    uint256 constant IC5x = 14134102644455351930261993569078192570891841213641244356636584552250072865750;
    uint256 constant IC5y = 16975664174335933669266518993908096954986851391612194741602278415867682994512;
    
    uint256 constant IC6x = 13245512213200219439408545882581614799866087114566644183372771345187429953464;
    uint256 constant IC6y = 6208822273959613127497158776424622524554303926959187767108804742329501572907;
    
    uint256 constant IC7x = 4712773340702738302199625520417801034879050405945532978175148867726284255631;
    uint256 constant IC7y = 5357796432105628089704962961898954757367754398400830344604614234843487789804;
    
    uint256 constant IC8x = 6630140057077966785530031895296420279671132381886568817828750933502001360389;
    uint256 constant IC8y = 19012363280787230833106869533840434535843879536063262220792617681181990121428;
    
    uint256 constant IC9x = 4166654923514402525792330485878333140449338389125800152789938674844092236723;
    uint256 constant IC9y = 7057392506213907740530893329884083739090593816471925234009364076128547439235;
    
    uint256 constant IC10x = 7662191384914210864529234498376322986174833669401752663148867243955111424535;
    uint256 constant IC10y = 12305515880938640683242415650503366847176562180620898492250555419962431727651;
    
    uint256 constant IC11x = 7886848974749840329091580489991734834205312783445408959285985242510740865444;
    uint256 constant IC11y = 12972434725550076339301167218547673055069220727964237585816119927603104778963;
    
 
    // Memory data
    uint16 constant pVk = 0;
    uint16 constant pPairing = 128;

    uint16 constant pLastMem = 896;

    function verifyProof(uint[2] calldata _pA, uint[2][2] calldata _pB, uint[2] calldata _pC, uint[11] calldata _pubSignals) public view returns (bool) {
        assembly {
            function checkField(v) {
                if iszero(lt(v, r)) {
                    mstore(0, 0)
                    return(0, 0x20)
                }
            }
            
            // G1 function to multiply a G1 value(x,y) to value in an address
            function g1_mulAccC(pR, x, y, s) {
                let success
                let mIn := mload(0x40)
                mstore(mIn, x)
                mstore(add(mIn, 32), y)
                mstore(add(mIn, 64), s)

                success := staticcall(sub(gas(), 2000), 7, mIn, 96, mIn, 64)

                if iszero(success) {
                    mstore(0, 0)
                    return(0, 0x20)
                }

                mstore(add(mIn, 64), mload(pR))
                mstore(add(mIn, 96), mload(add(pR, 32)))

                success := staticcall(sub(gas(), 2000), 6, mIn, 128, pR, 64)

                if iszero(success) {
                    mstore(0, 0)
                    return(0, 0x20)
                }
            }

            function checkPairing(pA, pB, pC, pubSignals, pMem) -> isOk {
                let _pPairing := add(pMem, pPairing)
                let _pVk := add(pMem, pVk)

                mstore(_pVk, IC0x)
                mstore(add(_pVk, 32), IC0y)

                // Compute the linear combination vk_x
                
                g1_mulAccC(_pVk, IC1x, IC1y, calldataload(add(pubSignals, 0)))
                
                g1_mulAccC(_pVk, IC2x, IC2y, calldataload(add(pubSignals, 32)))
                
                g1_mulAccC(_pVk, IC3x, IC3y, calldataload(add(pubSignals, 64)))
                
                g1_mulAccC(_pVk, IC4x, IC4y, calldataload(add(pubSignals, 96)))
                
                g1_mulAccC(_pVk, IC5x, IC5y, calldataload(add(pubSignals, 128)))
                
                g1_mulAccC(_pVk, IC6x, IC6y, calldataload(add(pubSignals, 160)))
                
                g1_mulAccC(_pVk, IC7x, IC7y, calldataload(add(pubSignals, 192)))
                
                g1_mulAccC(_pVk, IC8x, IC8y, calldataload(add(pubSignals, 224)))
                
                g1_mulAccC(_pVk, IC9x, IC9y, calldataload(add(pubSignals, 256)))
                
                g1_mulAccC(_pVk, IC10x, IC10y, calldataload(add(pubSignals, 288)))
                
                g1_mulAccC(_pVk, IC11x, IC11y, calldataload(add(pubSignals, 320)))
                

                // -A
                mstore(_pPairing, calldataload(pA))
                mstore(add(_pPairing, 32), mod(sub(q, calldataload(add(pA, 32))), q))

                // B
                mstore(add(_pPairing, 64), calldataload(pB))
                mstore(add(_pPairing, 96), calldataload(add(pB, 32)))
                mstore(add(_pPairing, 128), calldataload(add(pB, 64)))
                mstore(add(_pPairing, 160), calldataload(add(pB, 96)))

                // alpha1
                mstore(add(_pPairing, 192), alphax)
                mstore(add(_pPairing, 224), alphay)

                // beta2
                mstore(add(_pPairing, 256), betax1)
                mstore(add(_pPairing, 288), betax2)
                mstore(add(_pPairing, 320), betay1)
                mstore(add(_pPairing, 352), betay2)

                // vk_x
                mstore(add(_pPairing, 384), mload(add(pMem, pVk)))
                mstore(add(_pPairing, 416), mload(add(pMem, add(pVk, 32))))


                // gamma2
                mstore(add(_pPairing, 448), gammax1)
                mstore(add(_pPairing, 480), gammax2)
                mstore(add(_pPairing, 512), gammay1)
                mstore(add(_pPairing, 544), gammay2)

                // C
                mstore(add(_pPairing, 576), calldataload(pC))
                mstore(add(_pPairing, 608), calldataload(add(pC, 32)))

                // delta2
                mstore(add(_pPairing, 640), deltax1)
                mstore(add(_pPairing, 672), deltax2)
                mstore(add(_pPairing, 704), deltay1)
                mstore(add(_pPairing, 736), deltay2)


                let success := staticcall(sub(gas(), 2000), 8, _pPairing, 768, _pPairing, 0x20)

                isOk := and(success, mload(_pPairing))
            }

            let pMem := mload(0x40)
            mstore(0x40, add(pMem, pLastMem))

            // Validate that all evaluations ∈ F
            
            checkField(calldataload(add(_pubSignals, 0)))
            
            checkField(calldataload(add(_pubSignals, 32)))
            
            checkField(calldataload(add(_pubSignals, 64)))
            
            checkField(calldataload(add(_pubSignals, 96)))
            
            checkField(calldataload(add(_pubSignals, 128)))
            
            checkField(calldataload(add(_pubSignals, 160)))
            
            checkField(calldataload(add(_pubSignals, 192)))
            
            checkField(calldataload(add(_pubSignals, 224)))
            
            checkField(calldataload(add(_pubSignals, 256)))
            
            checkField(calldataload(add(_pubSignals, 288)))
            
            checkField(calldataload(add(_pubSignals, 320)))
            

            // Validate all evaluations
            let isValid := checkPairing(_pA, _pB, _pC, _pubSignals, pMem)

            mstore(0, isValid)
             return(0, 0x20)
         }
     }
 }
