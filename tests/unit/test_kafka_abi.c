/* test_kafka_abi.c — the librdkafka ABI that plugins/kafka/kafka_rdk.h declares (so that the
 * library builds without librdkafka) is the one of the installed rdkafka.h: struct layouts,
 * vtype numbers, error codes and flags. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <librdkafka/rdkafka.h>
#include "plugins/kafka/kafka_rdk.h"

#define SAME_OFFSET(a, b, f) assert_int_equal(offsetof(a, f), offsetof(b, f))

static void test_message_layout(void **state)
{
    (void)state;
    assert_int_equal(sizeof(rd_kafka_message_t), sizeof(ga_kf_message));
    SAME_OFFSET(rd_kafka_message_t, ga_kf_message, err);
    SAME_OFFSET(rd_kafka_message_t, ga_kf_message, rkt);
    SAME_OFFSET(rd_kafka_message_t, ga_kf_message, partition);
    SAME_OFFSET(rd_kafka_message_t, ga_kf_message, payload);
    SAME_OFFSET(rd_kafka_message_t, ga_kf_message, len);
    SAME_OFFSET(rd_kafka_message_t, ga_kf_message, key);
    SAME_OFFSET(rd_kafka_message_t, ga_kf_message, key_len);
    SAME_OFFSET(rd_kafka_message_t, ga_kf_message, offset);
    SAME_OFFSET(rd_kafka_message_t, ga_kf_message, _private);
    assert_int_equal(sizeof(rd_kafka_resp_err_t), sizeof(ga_kf_err));
}

static void test_vu_layout(void **state)
{
    (void)state;
    assert_int_equal(sizeof(rd_kafka_vu_t), sizeof(ga_kf_vu));
    SAME_OFFSET(rd_kafka_vu_t, ga_kf_vu, vtype);
    SAME_OFFSET(rd_kafka_vu_t, ga_kf_vu, u);
    SAME_OFFSET(rd_kafka_vu_t, ga_kf_vu, u.mem.size);
    SAME_OFFSET(rd_kafka_vu_t, ga_kf_vu, u.header.name);
    SAME_OFFSET(rd_kafka_vu_t, ga_kf_vu, u.header.val);
    SAME_OFFSET(rd_kafka_vu_t, ga_kf_vu, u.header.size);
}

static void test_numbers(void **state)
{
    (void)state;
    assert_int_equal(RD_KAFKA_VTYPE_END, GA_KF_VT_END);
    assert_int_equal(RD_KAFKA_VTYPE_TOPIC, GA_KF_VT_TOPIC);
    assert_int_equal(RD_KAFKA_VTYPE_RKT, GA_KF_VT_RKT);
    assert_int_equal(RD_KAFKA_VTYPE_PARTITION, GA_KF_VT_PARTITION);
    assert_int_equal(RD_KAFKA_VTYPE_VALUE, GA_KF_VT_VALUE);
    assert_int_equal(RD_KAFKA_VTYPE_KEY, GA_KF_VT_KEY);
    assert_int_equal(RD_KAFKA_VTYPE_OPAQUE, GA_KF_VT_OPAQUE);
    assert_int_equal(RD_KAFKA_VTYPE_MSGFLAGS, GA_KF_VT_MSGFLAGS);
    assert_int_equal(RD_KAFKA_VTYPE_TIMESTAMP, GA_KF_VT_TIMESTAMP);
    assert_int_equal(RD_KAFKA_VTYPE_HEADER, GA_KF_VT_HEADER);
    assert_int_equal(RD_KAFKA_VTYPE_HEADERS, GA_KF_VT_HEADERS);
    assert_int_equal(RD_KAFKA_RESP_ERR_NO_ERROR, GA_KF_ERR_NO_ERROR);
    assert_int_equal(RD_KAFKA_RESP_ERR__FAIL, GA_KF_ERR__FAIL);
    assert_int_equal(RD_KAFKA_RESP_ERR__PARTITION_EOF, GA_KF_ERR__PARTITION_EOF);
    assert_int_equal(RD_KAFKA_RESP_ERR__NOENT, GA_KF_ERR__NOENT);
    assert_int_equal(RD_KAFKA_PARTITION_UA, GA_KF_PARTITION_UA);
    assert_int_equal(RD_KAFKA_MSG_F_PARTITION, GA_KF_MSG_F_PARTITION);
    assert_int_equal(RD_KAFKA_CONF_OK, GA_KF_CONF_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_message_layout),
        cmocka_unit_test(test_vu_layout),
        cmocka_unit_test(test_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
