/* Binance answers and pushes for the tests, composed after binance.md (its samples
 * where it has them, the documented field names elsewhere). */
#ifndef SQT_BN_SAMPLES_H
#define SQT_BN_SAMPLES_H

#define BN_EXCHANGE_INFO                                                                   \
    "{\"timezone\":\"UTC\",\"serverTime\":1765101259000,"                                  \
    "\"rateLimits\":["                                                                     \
    "{\"rateLimitType\":\"REQUEST_WEIGHT\",\"interval\":\"MINUTE\",\"intervalNum\":1,\"limit\":2400}," \
    "{\"rateLimitType\":\"ORDERS\",\"interval\":\"MINUTE\",\"intervalNum\":1,\"limit\":1200}," \
    "{\"rateLimitType\":\"ORDERS\",\"interval\":\"SECOND\",\"intervalNum\":10,\"limit\":300}]," \
    "\"symbols\":["                                                                        \
    "{\"symbol\":\"BTCUSDT\",\"status\":\"TRADING\",\"baseAsset\":\"BTC\",\"quoteAsset\":\"USDT\"," \
    "\"filters\":[{\"filterType\":\"PRICE_FILTER\",\"tickSize\":\"0.10\"}]},"              \
    "{\"symbol\":\"ETHUSDT\",\"pair\":\"ETHUSDT\",\"contractType\":\"PERPETUAL\","         \
    "\"status\":\"TRADING\",\"baseAsset\":\"ETH\",\"quoteAsset\":\"USDT\","                \
    "\"marginAsset\":\"USDT\",\"pricePrecision\":2,\"quantityPrecision\":3,"               \
    "\"filters\":["                                                                        \
    "{\"filterType\":\"PRICE_FILTER\",\"minPrice\":\"39.86\",\"maxPrice\":\"306177\",\"tickSize\":\"0.010\"}," \
    "{\"filterType\":\"LOT_SIZE\",\"minQty\":\"0.001\",\"maxQty\":\"10000\",\"stepSize\":\"0.001\"}," \
    "{\"filterType\":\"MARKET_LOT_SIZE\",\"minQty\":\"0.001\",\"maxQty\":\"2000\",\"stepSize\":\"0.001\"}," \
    "{\"filterType\":\"MAX_NUM_ORDERS\",\"limit\":200},"                                   \
    "{\"filterType\":\"MAX_NUM_ALGO_ORDERS\",\"limit\":10},"                               \
    "{\"filterType\":\"MIN_NOTIONAL\",\"notional\":\"20\"},"                               \
    "{\"filterType\":\"PERCENT_PRICE\",\"multiplierUp\":\"1.0500\",\"multiplierDown\":\"0.9500\"," \
    "\"multiplierDecimal\":\"4\"}]},"                                                      \
    "{\"symbol\":\"OLDUSDT\",\"status\":\"SETTLING\",\"baseAsset\":\"OLD\",\"quoteAsset\":\"USDT\"," \
    "\"filters\":[{\"filterType\":\"PRICE_FILTER\",\"tickSize\":\"0.1\"},"                 \
    "{\"filterType\":\"LOT_SIZE\",\"minQty\":\"1\",\"stepSize\":\"1\"}]}]}"

#define BN_ACCOUNT                                                                         \
    "{\"totalWalletBalance\":\"1000.50000000\",\"availableBalance\":\"900.25000000\","     \
    "\"assets\":["                                                                         \
    "{\"asset\":\"BNB\",\"walletBalance\":\"0.10000000\",\"availableBalance\":\"0.10000000\"}," \
    "{\"asset\":\"USDT\",\"walletBalance\":\"1000.50000000\",\"marginBalance\":\"1001.00000000\"," \
    "\"availableBalance\":\"900.25000000\",\"unrealizedProfit\":\"0.50000000\"}],"         \
    "\"positions\":["                                                                      \
    "{\"symbol\":\"BTCUSDT\",\"positionAmt\":\"0\",\"leverage\":\"5\",\"positionSide\":\"BOTH\"}," \
    "{\"symbol\":\"ETHUSDT\",\"positionAmt\":\"0.030\",\"entryPrice\":\"3000.0\","         \
    "\"leverage\":\"20\",\"isolated\":false,\"positionSide\":\"BOTH\"}]}"

#define BN_POSITION_RISK                                                                   \
    "[{\"symbol\":\"ETHUSDT\",\"positionAmt\":\"0.030\",\"entryPrice\":\"3000.50\","       \
    "\"breakEvenPrice\":\"3001.70\",\"markPrice\":\"3021.00\",\"unRealizedProfit\":\"0.61500000\"," \
    "\"liquidationPrice\":\"0\",\"leverage\":\"10\",\"maxNotionalValue\":\"25000000\","    \
    "\"marginType\":\"cross\",\"isolatedMargin\":\"0.00000000\",\"isAutoAddMargin\":\"false\"," \
    "\"positionSide\":\"BOTH\",\"notional\":\"90.63\",\"updateTime\":1765101000000}]"

/* a place answer; the id carries the broker prefix x-zdfVM8vY */
#define BN_ORDER_NEW                                                                       \
    "{\"orderId\":8389765537712345678,\"symbol\":\"ETHUSDT\",\"status\":\"NEW\","          \
    "\"clientOrderId\":\"x-zdfVM8vY302155_B_1765101259001\",\"price\":\"3021.55\","        \
    "\"avgPrice\":\"0.00\",\"origQty\":\"0.010\",\"executedQty\":\"0\",\"cumQty\":\"0\","  \
    "\"cumQuote\":\"0\",\"timeInForce\":\"GTX\",\"type\":\"LIMIT\",\"reduceOnly\":false,"  \
    "\"closePosition\":false,\"side\":\"BUY\",\"positionSide\":\"BOTH\",\"stopPrice\":\"0\"," \
    "\"workingType\":\"CONTRACT_PRICE\",\"priceProtect\":false,\"origType\":\"LIMIT\","    \
    "\"priceMatch\":\"NONE\",\"selfTradePreventionMode\":\"NONE\",\"goodTillDate\":0,"      \
    "\"updateTime\":1765101259130}"

/* the order of BN_ORDER_NEW, filled in two trades (BN_USER_TRADES) */
#define BN_ORDER_FILLED                                                                    \
    "{\"orderId\":8389765537712345678,\"symbol\":\"ETHUSDT\",\"status\":\"FILLED\","       \
    "\"clientOrderId\":\"x-zdfVM8vY302155_B_1765101259001\",\"price\":\"3021.55\","        \
    "\"avgPrice\":\"3021.55\",\"origQty\":\"0.010\",\"executedQty\":\"0.010\","            \
    "\"cumQty\":\"0.010\",\"cumQuote\":\"30.21550\",\"timeInForce\":\"GTX\",\"type\":\"LIMIT\"," \
    "\"reduceOnly\":false,\"closePosition\":false,\"side\":\"BUY\",\"positionSide\":\"BOTH\"," \
    "\"stopPrice\":\"0\",\"workingType\":\"CONTRACT_PRICE\",\"priceProtect\":false,"        \
    "\"origType\":\"LIMIT\",\"priceMatch\":\"NONE\",\"selfTradePreventionMode\":\"NONE\","   \
    "\"goodTillDate\":0,\"time\":1765101259130,\"updateTime\":1765101262000}"

/* GET /fapi/v1/userTrades?symbol=ETHUSDT&orderId=8389765537712345678: the two maker
 * trades (0.02 %) of BN_ORDER_FILLED, 0.004 + 0.006, fees 0.00241724 + 0.00362586 USDT */
#define BN_USER_TRADE_1                                                                    \
    "{\"symbol\":\"ETHUSDT\",\"id\":4455667788,\"orderId\":8389765537712345678,"           \
    "\"side\":\"BUY\",\"price\":\"3021.55\",\"qty\":\"0.004\",\"realizedPnl\":\"0\","        \
    "\"marginAsset\":\"USDT\",\"quoteQty\":\"12.08620\",\"commission\":\"0.00241724\","      \
    "\"commissionAsset\":\"USDT\",\"time\":1765101261000,\"positionSide\":\"BOTH\","        \
    "\"buyer\":true,\"maker\":true}"
#define BN_USER_TRADE_2                                                                    \
    "{\"symbol\":\"ETHUSDT\",\"id\":4455667801,\"orderId\":8389765537712345678,"           \
    "\"side\":\"BUY\",\"price\":\"3021.55\",\"qty\":\"0.006\",\"realizedPnl\":\"0\","        \
    "\"marginAsset\":\"USDT\",\"quoteQty\":\"18.12930\",\"commission\":\"0.00362586\","      \
    "\"commissionAsset\":\"USDT\",\"time\":1765101262000,\"positionSide\":\"BOTH\","        \
    "\"buyer\":true,\"maker\":true}"
#define BN_USER_TRADES "[" BN_USER_TRADE_1 "," BN_USER_TRADE_2 "]"

/* the account trade list example of Binance's documentation (commission positive here:
 * see the sign note at sqt_bn_parse_user_trades) */
#define BN_USER_TRADES_DOC                                                                 \
    "[{\"buyer\":false,\"commission\":\"0.114044\",\"commissionAsset\":\"USDT\","          \
    "\"id\":67880589,\"maker\":true,\"orderId\":270093109,\"price\":\"28511.00\","          \
    "\"qty\":\"0.010\",\"quoteQty\":\"285.11\",\"realizedPnl\":\"2.585\",\"side\":\"SELL\","   \
    "\"positionSide\":\"BOTH\",\"symbol\":\"BTCUSDT\",\"time\":1680688557875}]"

/* the partial fill of binance.md 4.4 */
#define BN_PUSH_PARTIAL                                                                    \
    "{\"e\":\"ORDER_TRADE_UPDATE\",\"E\":1765101261002,\"T\":1765101261000,"               \
    "\"o\":{\"s\":\"ETHUSDT\",\"c\":\"x-zdfVM8vY302155_B_1765101259001\",\"S\":\"BUY\",\"o\":\"LIMIT\",\"f\":\"GTX\"," \
    "\"q\":\"0.010\",\"p\":\"3021.55\",\"ap\":\"3021.55\",\"sp\":\"0\",\"x\":\"TRADE\",\"X\":\"PARTIALLY_FILLED\"," \
    "\"i\":8389765537712345678,\"l\":\"0.004\",\"z\":\"0.004\",\"L\":\"3021.55\",\"N\":\"USDT\",\"n\":\"0.00241724\"," \
    "\"T\":1765101261000,\"t\":4455667788,\"b\":\"18.12\",\"a\":\"0\",\"m\":true,\"R\":false," \
    "\"wt\":\"CONTRACT_PRICE\",\"ot\":\"LIMIT\",\"ps\":\"BOTH\",\"cp\":false,\"rp\":\"0\",\"V\":\"EXPIRE_MAKER\"," \
    "\"pm\":\"NONE\",\"gtd\":0,\"er\":\"0\"}}"

#define BN_AGG_TRADE                                                                       \
    "{\"e\":\"aggTrade\",\"E\":1765101260101,\"s\":\"ETHUSDT\",\"a\":2210334455,\"p\":\"3021.56\"," \
    "\"q\":\"0.250\",\"nq\":\"0.250\",\"f\":5100001,\"l\":5100003,\"T\":1765101260099,\"m\":false}"

#define BN_KLINE_PUSH                                                                      \
    "{\"e\":\"kline\",\"E\":1765101300050,\"s\":\"ETHUSDT\","                              \
    "\"k\":{\"t\":1765101240000,\"T\":1765101299999,\"s\":\"ETHUSDT\",\"i\":\"1m\",\"f\":5100001,\"L\":5100950," \
    "\"o\":\"3019.10\",\"c\":\"3021.56\",\"h\":\"3022.00\",\"l\":\"3018.75\",\"v\":\"812.330\",\"n\":949," \
    "\"x\":true,\"q\":\"2454120.55\",\"V\":\"401.200\",\"Q\":\"1212000.10\",\"B\":\"0\"}}"

#define BN_KLINES_REST                                                                     \
    "[[1765101120000,\"3010.00\",\"3015.00\",\"3009.50\",\"3014.00\",\"500.100\",1765101179999," \
    "\"1507000.0\",700,\"250.0\",\"753000.0\",\"0\"],"                                     \
    "[1765101180000,\"3014.00\",\"3020.00\",\"3013.00\",\"3019.10\",\"600.200\",1765101239999," \
    "\"1811000.0\",800,\"300.0\",\"905000.0\",\"0\"],"                                     \
    "[1765101240000,\"3019.10\",\"3022.00\",\"3018.75\",\"3021.56\",\"812.330\",1765101299999," \
    "\"2454120.55\",949,\"401.200\",\"1212000.10\",\"0\"]]"

#endif
