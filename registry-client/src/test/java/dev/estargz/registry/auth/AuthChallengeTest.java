package dev.estargz.registry.auth;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AuthChallengeTest {
    @Test
    void parsesBearerWithQuotedCommasInScope() {
        List<AuthChallenge> cs = AuthChallenge.parse(List.of(
                "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/busybox:pull,push\""));
        assertEquals(1, cs.size());
        AuthChallenge c = cs.get(0);
        assertTrue(c.isBearer());
        assertEquals("https://auth.docker.io/token", c.realm());
        assertEquals("registry.docker.io", c.params().get("service"));
        assertEquals("repository:library/busybox:pull,push", c.params().get("scope"));
    }

    @Test
    void parsesSeveralChallengesAndUnquotedValues() {
        List<AuthChallenge> cs = AuthChallenge.parse(List.of("Basic realm=\"x\", Bearer realm=https://t/token,service=s"));
        assertEquals(2, cs.size());
        assertTrue(cs.get(0).isBasic());
        assertEquals("https://t/token", cs.get(1).realm());
        assertEquals("s", cs.get(1).params().get("service"));
    }

    @Test
    void toleratesGarbage() {
        assertTrue(AuthChallenge.parse(List.of("", "   ,  ")).isEmpty());
        assertEquals("basic", AuthChallenge.parse(List.of("BASIC")).get(0).scheme());
    }
}
