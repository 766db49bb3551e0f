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

contract Groth16BatchVerifier8 {
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
    uint256 constant deltax1 = 11841360834546751845467761579932353388469601256974597760468013682236436735295;
    uint256 constant deltax2 = 18415774579894662394054845816243162575878605111473230708988838439533920178719;
    uint256 constant deltay1 = 12391913216748788434634192141329452054617016903527664535004353208551037471664;
    uint256 constant deltay2 = 21337843439334585938679233884278614953073470489994118914199414978015699202844;

    
    uint256 constant IC0x = 3953818727527288367752650286896163109535020988265158622323313408503371069952;
    uint256 constant IC0y = 12208084390571749715538961273061011641309245835542723833818493391352894088997;
    
    uint256 constant IC1x = 17221015589570547967635376303684695063177062867479956569877177891762360862778;
    uint256 constant IC1y = 12981565784081076183952409021140515658134333370122276690173707149468982197007;
    
    uint256 constant IC2x = 9892786502322643643535911697967349961040332754600546392610051834489728400410;
    uint256 constant IC2y = 4613536061505172720909970162551253894532961268653702626385366759571790580098;
    
    uint256 constant IC3x = 20042564729358564614511814536542368140999250725096996431480416196915531254320;
    uint256 constant IC3y = 20064726744978103826321766483525863436790729332599145410060933520092937898049;
    
    uint256 constant IC4x = 954234754406573214974081048122452712014111903755299058276127147013830265163;
    uint256 constant IC4y = 8689410637802502573713065166606777281943837127852962192497497470833408141710;
    
    uint256 constant IC5x = 15240784317096354259573999836089793394281563505864921210564111689267003129673;
    uint256 constant IC5y = 14334604274086067687197794107814737158605783053880722798018896841149109795834;
    
    uint256 constant IC6x = 421780272023798842768991198202828003913636145308938591559500075327383684355;
    uint256 constant IC6y = 18794240171457470526049517806896928671912502621591881799318729740664039342718;
    
    uint256 constant IC7x = 7857310516562305518707266434904526876361996969340930752353976962893388243286;
    uint256 constant IC7y = 10619190353289883573449873023336637914651135847653602587250302908030581128797;
    
    uint256 constant IC8x = 1988790447304138529251699890289497246743532541098797324876929797671259507049;
    uint256 constant IC8y = 3313855666096936604384200406389254212787203906438641280258605408157042532605;
    
    uint256 constant IC9x = 3246725205165315607684803362641351755409993899200723870581151731209734940090;
    uint256 constant IC9y = 16241070061360570484752268673947559365329805562182650031870490800822819676509;
    
    uint256 constant IC10x = 13609513126273815541119681090384416823568514879816649614475316383075613330477;
    uint256 constant IC10y = 5553823189130182985981679661210624326832675176374019843237804651970991301838;
    
    uint256 constant IC11x = 1827324175142449440549404827260959740191712228307153991906247117701553760940;
    uint256 constant IC11y = 18365362062014535211943276652861726580461006589706198485865952819268453194479;
    
    uint256 constant IC12x = 20514922471366374366236893350602088930639708605931987297705087508340264904409;
    uint256 constant IC12y = 11095567983889952935299971532635235433084740980693192716739894302307107384078;
    
    uint256 constant IC13x = 1466029397642372467522798130406182513106609078811933562108661778064681247013;
    uint256 constant IC13y = 5682978828027313678549727498280811627872509214765410898254739622113597812396;
    
    uint256 constant IC14x = 20500482119973086709870661579384665323834962440511563719538230392255050038899;
    uint256 constant IC14y = 9961786125538062700319361114417842446875029822687324277438394913300723266005;
    
    uint256 constant IC15x = 7088186102532272965520973311396461681919573556852938168793338012625180839186;
    uint256 constant IC15y = 20374196460519792298492827281248978390625775482679818239690445930859943886963;
    
    uint256 constant IC16x = 16066957151592499855380346132562012679794508672456468850107072798076780190902;
    uint256 constant IC16y = 16030174378625019994382496913829768890826495804765895857073077543023507906588;
    
    uint256 constant IC17x = 21394098860108205577037820220975720001637290671893060418183462490348025161626;
    uint256 constant IC17y = 10818686344099382795360103055407727926475925869896906622557330103630193308431;
    
    uint256 constant IC18x = 12367217894407859462965840863647662177803297664937129528621531046299625788086;
    uint256 constant IC18y = 19152218323990578183857721179396486237666512125231306293097005236080830864621;
    
    uint256 constant IC19x = 10380760645676388121505693208048935971591560371835724724518661864625498039772;
    uint256 constant IC19y = 10922675956368342485123694428546429575871065455627384120222435861566364243237;
    
    uint256 constant IC20x = 8776082475075124512086094391107584585882049832625809155449583193674596633383;
    uint256 constant IC20y = 11639556839473232399632120150537658741495432338263882840535270451636239114796;
    
 
    // Memory data
    uint16 constant pVk = 0;
    uint16 constant pPairing = 128;

    uint16 constant pLastMem = 896;

    function verifyProof(uint[2] calldata _pA, uint[2][2] calldata _pB, uint[2] calldata _pC, uint[20] calldata _pubSignals) public view returns (bool) {
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
                
                g1_mulAccC(_pVk, IC12x, IC12y, calldataload(add(pubSignals, 352)))
                
                g1_mulAccC(_pVk, IC13x, IC13y, calldataload(add(pubSignals, 384)))
                
                g1_mulAccC(_pVk, IC14x, IC14y, calldataload(add(pubSignals, 416)))
                
                g1_mulAccC(_pVk, IC15x, IC15y, calldataload(add(pubSignals, 448)))
                
                g1_mulAccC(_pVk, IC16x, IC16y, calldataload(add(pubSignals, 480)))
                
                g1_mulAccC(_pVk, IC17x, IC17y, calldataload(add(pubSignals, 512)))
                
                g1_mulAccC(_pVk, IC18x, IC18y, calldataload(add(pubSignals, 544)))
                
                g1_mulAccC(_pVk, IC19x, IC19y, calldataload(add(pubSignals, 576)))
                
                g1_mulAccC(_pVk, IC20x, IC20y, calldataload(add(pubSignals, 608)))
                

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
            
            checkField(calldataload(add(_pubSignals, 352)))
            
            checkField(calldataload(add(_pubSignals, 384)))
            
            checkField(calldataload(add(_pubSignals, 416)))
            
            checkField(calldataload(add(_pubSignals, 448)))
            
            checkField(calldataload(add(_pubSignals, 480)))
            
            checkField(calldataload(add(_pubSignals, 512)))
            
            checkField(calldataload(add(_pubSignals, 544)))
            
            checkField(calldataload(add(_pubSignals, 576)))
            
            checkField(calldataload(add(_pubSignals, 608)))
            

            // Validate all evaluations
            let isValid := checkPairing(_pA, _pB, _pC, _pubSignals, pMem)

            mstore(0, isValid)
             return(0, 0x20)
         }
     }
 }
