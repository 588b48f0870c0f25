#include "webhooks/signer.hpp"

#include <gtest/gtest.h>

using namespace gp::webhooks;

TEST(Signer, BodySignatureIsHexHmacSha256WithPrefix) {
    // RFC 4231, test case 2.
    EXPECT_EQ(body_signature("Jefe", "what do ya want for nothing?"),
              "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Signer, EachSignatureUsesItsOwnKeyOnly) {
    // The HMAC context is reused: no key carries over to the next signature, the empty one included.
    EXPECT_EQ(body_signature("", ""), "sha256=b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
    EXPECT_EQ(body_signature("Jefe", "what do ya want for nothing?"),
              "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    EXPECT_EQ(body_signature("", ""), "sha256=b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
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

TEST(Signer, WhsecSecretIsKeyedWithItsBase64DecodedBytes) {
    // The test vector of the Standard Webhooks specification.
    EXPECT_EQ(standard_signature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                                 "{\"test\": 2432232314}"),
              "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    // The documented X-Webhook-Signature keeps the string as given.
    EXPECT_EQ(body_signature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "x"),
              "sha256=4f0b29c40dc93e66c917a48060e6fc06b97bd81b78e87decaf514261dc669ac3");
    EXPECT_EQ(standard_key("whsec_AAEC"), std::string("\x00\x01\x02", 3));
    // Not base64 after the prefix (saved before such secrets were refused): used as given.
    EXPECT_EQ(standard_key("whsec_not base64!"), "whsec_not base64!");
    EXPECT_EQ(standard_key("whsec_"), "whsec_");
}

TEST(Signer, Base64IsStrictAndRoundTrips) {
    EXPECT_EQ(base64_decode("aGk="), "hi");
    EXPECT_EQ(base64_decode("aGkh"), "hi!");
    EXPECT_EQ(base64_decode("aA=="), "h");
    EXPECT_EQ(base64_decode(""), "");
    for (const char* bad : {"aGk", "aG=k", "a===", "====", "aGk=\n", " aGk=", "aG-_"})
        EXPECT_EQ(base64_decode(bad), std::nullopt) << bad;
    const std::string bytes("\x00\xff\x10 binary\x80", 11);
    EXPECT_EQ(base64_decode(base64_encode(bytes)), bytes);
}

TEST(Signer, GeneratedSecretsAreWhsecWith32RandomBytes) {
    const auto a = generate_secret(), b = generate_secret();
    ASSERT_TRUE(a.starts_with("whsec_"));
    EXPECT_NE(a, b);
    EXPECT_EQ(base64_decode(a.substr(6)).value_or("").size(), 32u);
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

namespace {
std::string from_hex(std::string_view hex) {
    std::string out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
    return out;
}
}  // namespace

TEST(Signer, Ed25519MatchesRfc8032AndAnIndependentSigner) {
    // RFC 8032 section 7.1, test 1: the public key of its secret key.
    const std::string key = from_hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    EXPECT_EQ(ed25519_public_key(key),
              from_hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"));
    // Expected value from Python's cryptography: key.sign(b'msg_42.1700000000.<body>').
    EXPECT_EQ(ed25519_signature(key, "msg_42", 1700000000, "{\"event\":\"game.added\"}"),
              "v1a,SzpEyOwQI90YlFLOo8OAlz4aneq3kxXOZ7i0Edtd1GklhkIjspU5EGHWJQySLawtaTHgJkOIOm0pHPCUd/IWDg==");
    const std::string generated = generate_ed25519_key();
    EXPECT_EQ(generated.size(), 32u);
    EXPECT_NE(generated, generate_ed25519_key());
    EXPECT_EQ(ed25519_public_key(generated).size(), 32u);
}
