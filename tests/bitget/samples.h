/* Bitget answers and pushes used by the unit tests, after bitget.md 3-5 (the pushes
 * are the spec's composed samples). */
#ifndef SQT_TEST_BG_SAMPLES_H
#define SQT_TEST_BG_SAMPLES_H

#define BG_TIME "{\"code\":\"00000\",\"msg\":\"success\",\"requestTime\":1735000000100," \
                "\"data\":{\"serverTime\":\"1735000000250\"}}"

/* ETHUSDT: pricePlace 2, priceEndStep 5 -> tick 0.05; BTCUSDT in maintenance */
#define BG_CONTRACTS                                                                       \
    "{\"code\":\"00000\",\"msg\":\"success\",\"requestTime\":1735000000100,\"data\":["      \
    "{\"symbol\":\"BTCUSDT\",\"baseCoin\":\"BTC\",\"quoteCoin\":\"USDT\",\"pricePlace\":\"1\"," \
    "\"priceEndStep\":\"1\",\"volumePlace\":\"3\",\"sizeMultiplier\":\"0.001\","            \
    "\"minTradeNum\":\"0.001\",\"minTradeUSDT\":\"5\",\"maxSymbolOrderNum\":\"200\","       \
    "\"symbolStatus\":\"maintain\"},"                                                      \
    "{\"symbol\":\"ETHUSDT\",\"baseCoin\":\"ETH\",\"quoteCoin\":\"USDT\","                  \
    "\"supportMarginCoins\":[\"USDT\"],\"pricePlace\":\"2\",\"priceEndStep\":\"5\","        \
    "\"volumePlace\":\"2\",\"sizeMultiplier\":\"0.01\",\"minTradeNum\":\"0.01\","           \
    "\"minTradeUSDT\":\"5\",\"maxSymbolOrderNum\":\"400\",\"maxProductOrderNum\":\"400\","  \
    "\"makerFeeRate\":\"0.0002\",\"takerFeeRate\":\"0.0006\",\"minLever\":\"1\","           \
    "\"maxLever\":\"100\",\"symbolStatus\":\"normal\",\"symbolType\":\"perpetual\"}]}"

/* leverage as a string (the tiagosiebler typing) */
#define BG_ACCOUNT                                                                         \
    "{\"code\":\"00000\",\"msg\":\"success\",\"requestTime\":1735000000100,\"data\":{"     \
    "\"marginCoin\":\"USDT\",\"locked\":\"0\",\"available\":\"5000.25\","                   \
    "\"crossedMaxAvailable\":\"5000.25\",\"isolatedMaxAvailable\":\"5000.25\","             \
    "\"maxTransferOut\":\"5000.25\",\"accountEquity\":\"5012.5\",\"usdtEquity\":\"5012.5\"," \
    "\"btcEquity\":\"0.05\",\"crossedRiskRate\":\"0\",\"crossedMarginLeverage\":\"10\","    \
    "\"isolatedLongLever\":20,\"isolatedShortLever\":20,\"marginMode\":\"crossed\","       \
    "\"posMode\":\"one_way_mode\",\"unrealizedPL\":\"12.25\",\"coupon\":\"0\","             \
    "\"crossedUnrealizedPL\":\"12.25\",\"isolatedUnrealizedPL\":\"0\",\"assetMode\":\"single\"}}"

#define BG_ACCOUNT_HEDGE                                                                   \
    "{\"code\":\"00000\",\"msg\":\"success\",\"requestTime\":1,\"data\":{"                 \
    "\"marginCoin\":\"USDT\",\"available\":\"100\",\"accountEquity\":\"100\","              \
    "\"crossedMarginLeverage\":5,\"marginMode\":\"crossed\",\"posMode\":\"hedge_mode\"}}"

#define BG_POSITION                                                                        \
    "{\"code\":\"00000\",\"msg\":\"success\",\"requestTime\":1735000000100,\"data\":[{"    \
    "\"symbol\":\"ETHUSDT\",\"marginCoin\":\"USDT\",\"holdSide\":\"long\","                 \
    "\"openDelegateSize\":\"0\",\"marginSize\":\"30.2\",\"available\":\"0.1\","             \
    "\"locked\":\"0\",\"total\":\"0.1\",\"leverage\":\"10\",\"achievedProfits\":\"0\","     \
    "\"openPriceAvg\":\"3021.55\",\"marginMode\":\"crossed\",\"posMode\":\"one_way_mode\"," \
    "\"unrealizedPL\":\"-0.12\",\"liquidationPrice\":\"0\",\"markPrice\":\"3020.35\","      \
    "\"cTime\":\"1765101259950\",\"uTime\":\"1765101261000\"}]}"

#define BG_POSITION_SHORT                                                                  \
    "{\"code\":\"00000\",\"msg\":\"success\",\"requestTime\":1,\"data\":[{"                \
    "\"symbol\":\"ETHUSDT\",\"holdSide\":\"short\",\"total\":\"0.25\",\"leverage\":5,"     \
    "\"openPriceAvg\":\"3000\",\"unrealizedPL\":\"1\"}]}"

#define BG_POSITION_FLAT "{\"code\":\"00000\",\"msg\":\"success\",\"requestTime\":1,\"data\":[]}"

#define BG_ORDER_ITEM(oid, cid, st, filled, fee)                                           \
    "{\"symbol\":\"ETHUSDT\",\"size\":\"0.10\",\"orderId\":\"" oid "\",\"clientOid\":\""   \
    cid "\",\"baseVolume\":\"" filled "\",\"fee\":\"" fee "\",\"price\":\"3021.55\","       \
    "\"priceAvg\":\"3021.55\",\"status\":\"" st "\",\"side\":\"buy\",\"force\":\"post_only\"," \
    "\"totalProfits\":\"0\",\"posSide\":\"net\",\"marginCoin\":\"USDT\","                   \
    "\"quoteVolume\":\"0\",\"leverage\":\"10\",\"marginMode\":\"crossed\","                  \
    "\"tradeSide\":\"open\",\"posMode\":\"one_way_mode\",\"orderType\":\"limit\","          \
    "\"orderSource\":\"normal\",\"reduceOnly\":\"NO\",\"cTime\":\"1765101259950\","         \
    "\"uTime\":\"1765101261000\"}"

#define BG_PENDING                                                                         \
    "{\"code\":\"00000\",\"msg\":\"success\",\"requestTime\":1,\"data\":{\"entrustedList\":[" \
    BG_ORDER_ITEM("1381500303017938945", "sqt_302155_B_1", "partially_filled", "0.04",      \
                  "-0.02417")                                                              \
    "," BG_ORDER_ITEM("1381500303017938900", "other_1", "live", "0", "0")                  \
    "],\"endId\":\"1381500303017938900\"}}"

#define BG_PENDING_EMPTY                                                                   \
    "{\"code\":\"00000\",\"msg\":\"success\",\"requestTime\":1,\"data\":{"                 \
    "\"entrustedList\":null,\"endId\":null}}"

#define BG_DETAIL                                                                          \
    "{\"code\":\"00000\",\"msg\":\"success\",\"requestTime\":1,\"data\":{"                 \
    "\"symbol\":\"ETHUSDT\",\"size\":\"0.10\",\"orderId\":\"1381500303017938945\","         \
    "\"clientOid\":\"sqt_302155_B_1\",\"baseVolume\":\"0.10\",\"priceAvg\":\"3021.55\","    \
    "\"fee\":\"-0.0604310\",\"price\":\"3021.55\",\"state\":\"filled\",\"side\":\"buy\","   \
    "\"force\":\"post_only\",\"totalProfits\":\"0\",\"posSide\":\"net\","                   \
    "\"marginCoin\":\"USDT\",\"quoteVolume\":\"302.155\",\"orderType\":\"limit\","          \
    "\"leverage\":\"10\",\"marginMode\":\"crossed\",\"reduceOnly\":\"NO\","                 \
    "\"enterPointSource\":\"API\",\"tradeSide\":\"open\",\"posMode\":\"one_way_mode\","     \
    "\"orderSource\":\"normal\",\"cancelReason\":\"\",\"cTime\":\"1765101259950\","         \
    "\"uTime\":\"1765101262000\"}}"

#define BG_PLACE_ACK                                                                       \
    "{\"code\":\"00000\",\"msg\":\"success\",\"requestTime\":1,\"data\":{"                 \
    "\"orderId\":\"1381500303017938945\",\"clientOid\":\"sqt_302155_B_1\"}}"

#define BG_BATCH                                                                           \
    "{\"code\":\"00000\",\"msg\":\"success\",\"requestTime\":1,\"data\":{\"successList\":[" \
    "{\"orderId\":\"1001\",\"clientOid\":\"sqt_a\"}],\"failureList\":["                    \
    "{\"orderId\":\"\",\"clientOid\":\"sqt_b\",\"errorMsg\":\"The order amount exceeds the " \
    "balance\",\"errorCode\":\"40762\"}]}}"

#define BG_ERROR                                                                           \
    "{\"code\":\"40762\",\"msg\":\"The order amount exceeds the balance\","               \
    "\"requestTime\":1700000000123,\"data\":null}"

/* newest first, as the Go code assumed; the parser sorts */
#define BG_CANDLES                                                                         \
    "{\"code\":\"00000\",\"msg\":\"success\",\"requestTime\":1,\"data\":["                 \
    "[\"1765101300000\",\"3021.56\",\"3023\",\"3020\",\"3022.5\",\"100.5\",\"303000\"],"    \
    "[\"1765101240000\",\"3019.10\",\"3022.00\",\"3018.75\",\"3021.56\",\"812.33\","        \
    "\"2454120.55\"]]}"

#define BG_WS_TICKER                                                                       \
    "{\"action\":\"snapshot\",\"arg\":{\"instType\":\"USDT-FUTURES\",\"channel\":\"ticker\"," \
    "\"instId\":\"ETHUSDT\"},\"data\":[{\"instId\":\"ETHUSDT\",\"lastPr\":\"3021.56\","     \
    "\"bidPr\":\"3021.55\",\"askPr\":\"3021.56\",\"bidSz\":\"4.20\",\"askSz\":\"0.85\","    \
    "\"markPrice\":\"3021.60\",\"indexPrice\":\"3022.01\",\"fundingRate\":\"0.0001\","      \
    "\"symbolType\":\"1\",\"ts\":\"1765101260101\"}],\"ts\":1765101260105}"

#define BG_WS_CANDLE(ts, close)                                                            \
    "{\"action\":\"update\",\"arg\":{\"instType\":\"USDT-FUTURES\",\"channel\":\"candle1m\"," \
    "\"instId\":\"ETHUSDT\"},\"data\":[[\"" ts "\",\"3019.10\",\"3022.00\",\"3018.75\",\""  \
    close "\",\"812.33\",\"2454120.55\",\"2454120.55\"]],\"ts\":1765101261000}"

#define BG_WS_ORDER(status, acc, last, fill_px, fill_fee, total_fee)                       \
    "{\"action\":\"snapshot\",\"arg\":{\"instType\":\"USDT-FUTURES\",\"channel\":\"orders\"," \
    "\"instId\":\"default\"},\"data\":[{\"orderId\":\"1381500303017938945\","               \
    "\"clientOid\":\"sqt_302155_B_1\",\"instId\":\"ETHUSDT\",\"side\":\"buy\","             \
    "\"posSide\":\"net\",\"tradeSide\":\"buy_single\",\"posMode\":\"one_way_mode\","       \
    "\"orderType\":\"limit\",\"force\":\"post_only\",\"price\":\"3021.55\",\"size\":\"0.01\"," \
    "\"status\":\"" status "\",\"accBaseVolume\":\"" acc "\",\"baseVolume\":\"" last "\","  \
    "\"fillPrice\":\"" fill_px "\",\"priceAvg\":\"3021.55\",\"fillFee\":\"" fill_fee "\","  \
    "\"fillFeeCoin\":\"USDT\",\"feeDetail\":[{\"feeCoin\":\"USDT\",\"fee\":\"" total_fee   \
    "\"}],\"tradeId\":\"1381500999000000001\",\"tradeScope\":\"M\","                       \
    "\"fillTime\":\"1765101261000\",\"cTime\":\"1765101259950\",\"uTime\":\"1765101261000\"," \
    "\"pnl\":\"0\",\"totalProfits\":\"0\",\"reduceOnly\":\"no\",\"cancelReason\":\"\","    \
    "\"leverage\":\"10\",\"marginMode\":\"crossed\",\"marginCoin\":\"USDT\","               \
    "\"enterPointSource\":\"API\",\"stpMode\":\"none\"}],\"ts\":1765101261010}"

#define BG_WS_ORDER_PARTIAL                                                                \
    BG_WS_ORDER("partially_filled", "0.004", "0.004", "3021.55", "-0.00241724", "-0.00241724")

#define BG_WS_LOGIN_OK "{\"event\":\"login\",\"code\":0,\"msg\":\"\"}"
#define BG_WS_LOGIN_FAIL "{\"event\":\"error\",\"code\":30005,\"msg\":\"login failed\"}"
#define BG_WS_SUB_ACK(ch, inst)                                                            \
    "{\"event\":\"subscribe\",\"arg\":{\"instType\":\"USDT-FUTURES\",\"channel\":\"" ch    \
    "\",\"instId\":\"" inst "\"}}"

#endif
