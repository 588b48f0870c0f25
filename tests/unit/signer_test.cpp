#include "webhooks/signer.hpp"

#include <gtest/gtest.h>

using namespace gp::webhooks;

TEST(Signer, BodySignatureIsHexHmacSha256WithPrefix) {
    // RFC 4231, test case 2.
    EXPECT_EQ(body_signature("Jefe", "what do ya want for nothing?"),
              "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Signer, BodySignatureSignsUtf8BytesVerbatim) {
    // Expected value from Python: hmac.new("sécret".encode(), body.encode(), sha256).hexdigest()
    EXPECT_EQ(body_signature("s\xc3\xa9" "cret", "{\"t\":\"caf\xc3\xa9 \xf0\x9f\x8e\xae\"}"),
              "sha256=2272fcc2d68e67e2354e2f808f41e7d2497f3767b6e94719a553bb60f9c1bdf9");
}

TEST(Signer, StandardSignatureIsBase64HmacOverIdTimestampBody) {
    // Expected value from Python: base64(hmac(secret, "msg_42.1700000000.<body>", sha256)).
    EXPECT_EQ(standard_signature("whsec-test", "msg_42", 1700000000, "{\"event\":\"game.added\"}"),
              "v1,OJ4d4W46EysL5eKhwr6qcpmn78bLvRXn02tiZBd1VtQ=");
}

TEST(Signer, StandardSignatureChangesWithEachSignedPart) {
    const auto base = standard_signature("k", "msg_1", 100, "{}");
    EXPECT_NE(base, standard_signature("k2", "msg_1", 100, "{}"));
    EXPECT_NE(base, standard_signature("k", "msg_2", 100, "{}"));
    EXPECT_NE(base, standard_signature("k", "msg_1", 101, "{}"));
    EXPECT_NE(base, standard_signature("k", "msg_1", 100, "{ }"));
}

TEST(Signer, MessageIdIsStablePerDelivery) {
    EXPECT_EQ(message_id(7), "msg_7");
    EXPECT_EQ(message_id(7), message_id(7));
    EXPECT_NE(message_id(7), message_id(8));
}
