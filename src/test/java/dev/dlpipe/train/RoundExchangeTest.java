package dev.dlpipe.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.crypto.AEADBadTagException;
import javax.crypto.SecretKey;
import org.junit.jupiter.api.Test;

/**
 * The driver's round exchange on loopback, without Spark: two workers' states in, the same mean out to both, in the
 * clear and sealed (AES-GCM); a worker without the exchange's key, and frames altered or moved to another round or
 * worker, get nothing.
 */
class RoundExchangeTest {

    private static ParameterAveragingTrainer.Result state(int worker, float base) {
        float[] params = new float[5000];
        float[] updater = new float[10000];
        for (int i = 0; i < params.length; i++) {
            params[i] = base + i * 0.001f;
        }
        for (int i = 0; i < updater.length; i++) {
            updater[i] = base * 2 - i * 0.0001f;
        }
        return new ParameterAveragingTrainer.Result(worker, params, updater, 5, 1_000_000);
    }

    /** Both workers send round 0 and round 1; returns what each got back per round. */
    private static List<List<byte[]>> twoRounds(RoundExchange exchange) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<List<byte[]>>> answers = new ArrayList<>();
            for (int w = 0; w < 2; w++) {
                int worker = w;
                answers.add(pool.submit(() -> {
                    List<byte[]> got = new ArrayList<>();
                    try (RoundExchange.Connection c = new RoundExchange.Connection(exchange.address(), worker)) {
                        for (int round = 0; round < 2; round++) {
                            got.add(c.send(round, state(worker, worker + round).bytes()));
                        }
                    }
                    return got;
                }));
            }
            List<List<byte[]>> out = new ArrayList<>();
            for (Future<List<byte[]>> f : answers) {
                out.add(f.get(30, TimeUnit.SECONDS));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void sealedFramesCarryTheSameMeanAsClearOnes() throws Exception {
        List<List<byte[]>> clear;
        List<List<byte[]>> sealed;
        try (RoundExchange exchange = new RoundExchange("127.0.0.1", "127.0.0.1", 2, false, false)) {
            assertEquals(2, exchange.address().split("/").length, "host:port/token, no key in the clear");
            clear = twoRounds(exchange);
        }
        try (RoundExchange exchange = new RoundExchange("127.0.0.1", "127.0.0.1", 2, true, false)) {
            assertEquals(3, exchange.address().split("/").length, "host:port/token/key");
            sealed = twoRounds(exchange);
            assertEquals(2, exchange.averaged());
            assertEquals(10, exchange.steps(), "each round advanced by its longest worker's 5 steps");
        }
        for (int round = 0; round < 2; round++) {
            ParameterAveragingTrainer.Mean expected = ParameterAveragingTrainer.Mean.of(List.of(state(0, round),
                    state(1, 1 + round)));
            for (int worker = 0; worker < 2; worker++) {
                ParameterAveragingTrainer.Result got = ParameterAveragingTrainer.Result.fromBytes(
                        sealed.get(worker).get(round));
                assertArrayEquals(expected.params(), got.params(), "round " + round + ", worker " + worker);
                assertArrayEquals(expected.updater(), got.updater());
                assertArrayEquals(clear.get(worker).get(round), sealed.get(worker).get(round),
                        "the same bytes once opened as in the clear");
            }
        }
    }

    /** Workers in the exchange's own JVM get the same means without the socket; others still use it. */
    @Test
    void workersInTheSameJvmHandStatesOverDirectly() throws Exception {
        List<List<byte[]>> overTcp;
        try (RoundExchange exchange = new RoundExchange("127.0.0.1", "127.0.0.1", 2, false, false)) {
            overTcp = twoRounds(exchange);
            assertEquals(0, exchange.inJvmWorkers());
        }
        try (RoundExchange exchange = new RoundExchange("127.0.0.1", "127.0.0.1", 2, false, true)) {
            List<List<byte[]>> inJvm = twoRounds(exchange);
            assertEquals(2, exchange.inJvmWorkers());
            assertEquals(2, exchange.averaged());
            for (int worker = 0; worker < 2; worker++) {
                for (int round = 0; round < 2; round++) {
                    assertArrayEquals(overTcp.get(worker).get(round), inJvm.get(worker).get(round));
                }
            }
            assertTrue(RoundExchange.inThisJvm(exchange.address()));
            exchange.close();
            assertFalse(RoundExchange.inThisJvm(exchange.address()), "a closed exchange is no longer handed out");
        }
    }

    @Test
    void aWorkerWithoutTheKeyIsDroppedAndLearnsNothing() throws Exception {
        try (RoundExchange exchange = new RoundExchange("127.0.0.1", "127.0.0.1", 2, true, false)) {
            String[] parts = exchange.address().split("/");
            String otherKey = java.util.Base64.getUrlEncoder().encodeToString(
                    RoundExchange.Seal.newKey().getEncoded());
            try (RoundExchange.Connection c = new RoundExchange.Connection(parts[0] + "/" + parts[1] + "/" + otherKey,
                    0)) {
                // its frame fails the tag: the exchange closes the connection without an answer
                assertThrows(IOException.class, () -> c.send(0, state(0, 1).bytes()));
            }
            assertEquals(0, exchange.averaged());
        }
    }

    @Test
    void aFrameOpensOnlyUnalteredForItsOwnDirectionWorkerAndRound() throws Exception {
        SecretKey key = RoundExchange.Seal.newKey();
        byte[] plain = state(1, 3).bytes();
        byte[] frame = RoundExchange.Seal.close(key, plain, RoundExchange.Seal.UP, 1, 7);
        assertArrayEquals(plain, RoundExchange.Seal.open(key, frame, RoundExchange.Seal.UP, 1, 7));
        assertFalse(java.util.Arrays.equals(frame, RoundExchange.Seal.close(key, plain, RoundExchange.Seal.UP, 1, 7)),
                "a fresh nonce per frame");
        assertFalse(java.util.Arrays.equals(plain, java.util.Arrays.copyOfRange(frame, 12, 12 + plain.length)),
                "the state is not in the frame as it is");
        assertEquals(12 + plain.length + 16, frame.length, "nonce, ciphertext, tag");
        assertThrows(AEADBadTagException.class, () -> RoundExchange.Seal.open(key, frame, RoundExchange.Seal.UP, 1, 8),
                "replayed into another round");
        assertThrows(AEADBadTagException.class, () -> RoundExchange.Seal.open(key, frame, RoundExchange.Seal.UP, 0, 7),
                "as another worker's");
        assertThrows(AEADBadTagException.class, () -> RoundExchange.Seal.open(key, frame, RoundExchange.Seal.DOWN, 1,
                7), "sent back as the driver's answer");
        byte[] altered = frame.clone();
        altered[100] ^= 1;
        assertThrows(AEADBadTagException.class, () -> RoundExchange.Seal.open(key, altered, RoundExchange.Seal.UP, 1,
                7), "one bit flipped");
        assertThrows(AEADBadTagException.class, () -> RoundExchange.Seal.open(key, new byte[5],
                RoundExchange.Seal.UP, 1, 7), "too short to be a frame");
    }
}
