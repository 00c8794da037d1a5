/* Gate.io answers and pushes used by the unit tests, after gate.md 3-6 (the pushes are
 * the spec's composed samples; sizes in contracts). */
#ifndef SQT_TEST_GT_SAMPLES_H
#define SQT_TEST_GT_SAMPLES_H

#define GT_TIME "{\"server_time\":1735000000250}"

/* A contract with the given multiplier and tick (ETH_USDT unless named). */
#define GT_CONTRACT_OF(name, mult, tick, min)                                              \
    "{\"name\":\"" name "\",\"type\":\"direct\",\"quanto_multiplier\":\"" mult "\","         \
    "\"order_price_round\":\"" tick "\",\"mark_price_round\":\"0.01\","                     \
    "\"order_size_min\":" min ",\"order_size_max\":1000000,\"enable_decimal\":false,"       \
    "\"order_price_deviate\":\"0.03\",\"orders_limit\":100,\"leverage_min\":\"1\","         \
    "\"leverage_max\":\"100\",\"maker_fee_rate\":\"-0.0001\",\"taker_fee_rate\":\"0.00075\"," \
    "\"status\":\"trading\",\"in_delisting\":false}"
#define GT_CONTRACT GT_CONTRACT_OF("ETH_USDT", "0.01", "0.05", "1")
#define GT_CONTRACT_DELISTING                                                              \
    "{\"name\":\"ETH_USDT\",\"quanto_multiplier\":\"0.01\",\"order_price_round\":\"0.05\","  \
    "\"order_size_min\":1,\"orders_limit\":100,\"status\":\"delisting\",\"in_delisting\":true}"

#define GT_ACCOUNT                                                                         \
    "{\"user\":1234567,\"currency\":\"USDT\",\"total\":\"5012.5\",\"unrealised_pnl\":\"12.25\"," \
    "\"position_margin\":\"40\",\"order_margin\":\"60\",\"available\":\"4912.5\","          \
    "\"point\":\"0\",\"bonus\":\"0\",\"in_dual_mode\":false,\"position_mode\":\"single\","  \
    "\"enable_credit\":false}"
/* the user id as a string (ccxt's observation, gate.md 11), no position_mode */
#define GT_ACCOUNT_STR_USER                                                                \
    "{\"user\":\"7654321\",\"currency\":\"USDT\",\"total\":\"100\",\"available\":\"100\","   \
    "\"in_dual_mode\":false}"
#define GT_ACCOUNT_DUAL                                                                    \
    "{\"user\":1234567,\"currency\":\"USDT\",\"total\":\"100\",\"available\":\"100\","       \
    "\"in_dual_mode\":true,\"position_mode\":\"dual\"}"

#define GT_POSITION                                                                        \
    "{\"user\":1234567,\"contract\":\"ETH_USDT\",\"size\":-25,\"leverage\":\"0\","          \
    "\"cross_leverage_limit\":\"10\",\"leverage_max\":\"100\",\"entry_price\":\"3021.55\","  \
    "\"mark_price\":\"3020\",\"liq_price\":\"0\",\"value\":\"755\",\"margin\":\"75.5\","     \
    "\"unrealised_pnl\":\"0.3875\",\"realised_pnl\":\"-0.1\",\"mode\":\"single\","          \
    "\"pending_orders\":3,\"update_time\":1765101259}"
#define GT_POSITION_FLAT                                                                   \
    "{\"contract\":\"ETH_USDT\",\"size\":0,\"leverage\":\"5\",\"entry_price\":\"0\","        \
    "\"mode\":\"single\"}"
#define GT_POSITION_DUAL                                                                   \
    "[{\"contract\":\"ETH_USDT\",\"size\":7,\"leverage\":\"20\",\"entry_price\":\"3000\","   \
    "\"mode\":\"dual_long\",\"unrealised_pnl\":\"1\"},"                                      \
    "{\"contract\":\"ETH_USDT\",\"size\":0,\"leverage\":\"20\",\"entry_price\":\"0\","       \
    "\"mode\":\"dual_short\"}]"

/* A REST FuturesOrder; status, finish_as, size and left as given. */
#define GT_ORDER_OF(id, status, finish_as, size, left, fill_price, text)                   \
    "{\"id\":" id ",\"user\":1234567,\"contract\":\"ETH_USDT\",\"create_time\":1765101259.412," \
    "\"finish_time\":1765101300.5,\"status\":\"" status "\",\"finish_as\":\"" finish_as "\","   \
    "\"size\":" size ",\"left\":" left ",\"price\":\"3021.55\",\"fill_price\":\"" fill_price    \
    "\",\"text\":\"" text "\",\"tif\":\"poc\",\"is_reduce_only\":false,\"is_close\":false,"    \
    "\"is_liq\":false,\"iceberg\":0,\"tkfr\":\"0.0005\",\"mkfr\":\"0.0002\",\"refu\":0,"       \
    "\"update_time\":1765101300.5}"
#define GT_ORDER GT_ORDER_OF("58796478453", "open", "", "1", "1", "0", "t-302155_B_1765101259001")

#define GT_OPEN_ORDERS                                                                     \
    "[" GT_ORDER_OF("1", "open", "", "5", "5", "0", "t-sqtA_1") ","                       \
    GT_ORDER_OF("2", "open", "", "-3", "-1", "3021.55", "t-sqtA_2") ","                   \
    GT_ORDER_OF("3", "open", "", "2", "2", "0", "web") ","                                \
    "{\"id\":4,\"contract\":\"BTC_USDT\",\"status\":\"open\",\"size\":1,\"left\":1,"       \
    "\"price\":\"60000\",\"text\":\"t-x\"}]"

#define GT_BATCH_PLACE                                                                     \
    "[{\"succeeded\":true," "\"id\":11,\"contract\":\"ETH_USDT\",\"status\":\"open\","      \
    "\"finish_as\":\"\",\"size\":1,\"left\":1,\"price\":\"3000\",\"text\":\"t-a\","        \
    "\"tif\":\"poc\",\"create_time\":1765101259.1},"                                       \
    "{\"succeeded\":false,\"label\":\"ORDER_POC_IMMEDIATE\",\"detail\":\"order would match\"}," \
    "{\"succeeded\":false,\"label\":\"INSUFFICIENT_AVAILABLE\",\"message\":\"balance not enough\"}]"

#define GT_BATCH_CANCEL                                                                    \
    "[{\"id\":\"11\",\"user_id\":1234567,\"succeeded\":true,\"message\":\"\"},"            \
    "{\"id\":\"12\",\"user_id\":1234567,\"succeeded\":false,\"message\":\"ORDER_NOT_FOUND\"}]"

#define GT_MY_TRADES                                                                       \
    "[{\"id\":1,\"create_time\":1765101260.1,\"contract\":\"ETH_USDT\","               \
    "\"order_id\":\"58796478453\","                                                        \
    "\"size\":2,\"price\":\"3021.55\",\"role\":\"maker\",\"text\":\"t-a\",\"fee\":\"0.0012086\"," \
    "\"point_fee\":\"0\"},"                                                                \
    "{\"id\":2,\"create_time\":1765101261.1,\"contract\":\"ETH_USDT\","                \
    "\"order_id\":\"58796478453\","                                                        \
    "\"size\":3,\"price\":\"3021.55\",\"role\":\"maker\",\"text\":\"t-a\",\"fee\":\"0.0018129\"," \
    "\"point_fee\":\"0\"},"                                                                \
    "{\"id\":3,\"create_time\":1765101262.1,\"contract\":\"ETH_USDT\",\"order_id\":\"999\"," \
    "\"size\":1,\"price\":\"3021.55\",\"role\":\"maker\",\"text\":\"t-b\",\"fee\":\"1\"}]"

/* newest first on purpose: the parser sorts */
#define GT_CANDLES                                                                         \
    "[{\"t\":1765101300,\"o\":\"3021.56\",\"h\":\"3023\",\"l\":\"3020\",\"c\":\"3022\","   \
    "\"v\":\"120\",\"sum\":\"362640\"},"                                                   \
    "{\"t\":1765101240,\"o\":\"3019.1\",\"h\":\"3022.0\",\"l\":\"3018.75\",\"c\":\"3021.56\"," \
    "\"v\":812,\"sum\":\"2454120.55\"}]"

#define GT_ERROR(label, msg) "{\"label\":\"" label "\",\"message\":\"" msg "\"}"

/* ---- WebSocket -------------------------------------------------------------------- */

#define GT_WS_TICKER                                                                       \
    "{\"time\":1765101260,\"time_ms\":1765101260101,\"channel\":\"futures.tickers\","       \
    "\"event\":\"update\",\"result\":[{\"contract\":\"ETH_USDT\",\"last\":\"3021.56\","      \
    "\"mark_price\":\"3021.60\",\"index_price\":\"3022.01\",\"funding_rate\":\"0.0001\","    \
    "\"change_percentage\":\"0.85\",\"total_size\":\"9876543\",\"volume_24h\":\"1234567\","  \
    "\"low_24h\":\"2990.1\",\"high_24h\":\"3050.0\"}]}"

#define GT_WS_CANDLE(t, c, w)                                                              \
    "{\"time\":1765101300,\"time_ms\":1765101300020,\"channel\":\"futures.candlesticks\","  \
    "\"event\":\"update\",\"result\":[{\"t\":" t ",\"o\":\"3019.1\",\"h\":\"3022.0\","       \
    "\"l\":\"3018.75\",\"c\":\"" c "\",\"v\":\"812\",\"a\":\"8.12\",\"n\":\"1m_ETH_USDT\","  \
    "\"w\":" w "}]}"

#define GT_WS_ORDER_OF(status, finish_as, size, left, upd)                                 \
    "{\"time\":1765101261,\"time_ms\":1765101261005,\"channel\":\"futures.orders\","        \
    "\"event\":\"update\",\"result\":[{\"id\":58796478453,\"user\":\"1234567\","           \
    "\"contract\":\"ETH_USDT\",\"create_time\":1765101259,\"create_time_ms\":1765101259412," \
    "\"update_time\":" upd ",\"update_id\":2,\"finish_time\":0,\"finish_time_ms\":0,"       \
    "\"status\":\"" status "\",\"finish_as\":\"" finish_as "\",\"size\":\"" size "\","       \
    "\"left\":\"" left "\",\"price\":3021.55,\"fill_price\":3021.55,"                       \
    "\"text\":\"t-302155_B_1765101259001\",\"tif\":\"poc\",\"is_reduce_only\":false,"      \
    "\"is_close\":false,\"is_liq\":false,\"mkfr\":0.0002,\"tkfr\":0.0005,\"refu\":0,"      \
    "\"refr\":0,\"iceberg\":\"0\",\"stp_id\":\"0\",\"stp_act\":\"-\"}]}"
#define GT_WS_ORDER GT_WS_ORDER_OF("open", "open", "5", "3", "1765101261000")

#define GT_WS_USERTRADE(id, size, fee)                                                     \
    "{\"time\":1765101261,\"channel\":\"futures.usertrades\",\"event\":\"update\","         \
    "\"result\":[{\"id\":\"" id "\",\"create_time\":1765101261,\"create_time_ms\":1765101261003," \
    "\"contract\":\"ETH_USDT\",\"order_id\":\"58796478453\",\"size\":" size ","             \
    "\"price\":\"3021.55\",\"role\":\"maker\",\"text\":\"t-302155_B_1765101259001\","       \
    "\"fee\":" fee ",\"point_fee\":0}]}"

#define GT_WS_SUB_OK(channel)                                                              \
    "{\"time\":1765101259,\"time_ms\":1765101259100,\"id\":1,\"conn_id\":\"abc\","          \
    "\"trace_id\":\"def\",\"channel\":\"" channel "\",\"event\":\"subscribe\","            \
    "\"error\":null,\"result\":{\"status\":\"success\"}}"
#define GT_WS_SUB_AUTH_FAIL                                                                \
    "{\"time\":1765101259,\"channel\":\"futures.orders\",\"event\":\"subscribe\","          \
    "\"error\":{\"code\":4,\"message\":\"{\\\"label\\\":\\\"INVALID_KEY\\\","              \
    "\\\"message\\\":\\\"Invalid key provided\\\"}\"},\"result\":null}"
#define GT_WS_SUB_FAIL                                                                     \
    "{\"time\":1765101259,\"channel\":\"futures.tickers\",\"event\":\"subscribe\","         \
    "\"error\":{\"code\":2,\"message\":\"unknown contract\"},\"result\":{\"status\":\"fail\"}}"
#define GT_WS_PONG                                                                         \
    "{\"time\":1765101259,\"time_ms\":1765101259001,\"channel\":\"futures.pong\","          \
    "\"event\":\"\",\"result\":null}"
#define GT_WS_UPGRADE                                                                      \
    "{\"time\":1765101259,\"channel\":\"futures.system\",\"event\":\"update\","             \
    "\"result\":{\"type\":\"upgrade\",\"msg\":\"server upgrade\"}}"

#endif
