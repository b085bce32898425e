package dev.dlpipe.train;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The driver's end of parameter averaging in one barrier stage: after each round every worker sends its state here
 * and waits; once all workers of the round have sent, each gets back the same mean (summed in worker order, as the
 * per-round route's driver does), and the driver keeps it. A round then costs one transfer of the state each way
 * per worker instead of a Spark job; Spark's own exchange for barrier tasks, {@code BarrierTaskContext.allGather},
 * polls once a second. A worker that fails sends {@link #FAILED}: every worker of that round gets it back and
 * stops, so none waits for ever; closing the exchange ends every wait too.
 *
 * <p>The wire: each worker keeps one TCP connection for the epoch and opens it with the exchange's random token;
 * then per round {@code [round][length][state]} up, {@code [length][mean]} down (big-endian ints). Plain TCP with
 * Nagle off: an HTTP server added a delayed-ACK wait and a copy per buffer to every 3 MB transfer.
 *
 * <p>Sealed (where Spark encrypts its own traffic): every state and mean travels as AES-256-GCM under a random key
 * of this exchange's, with a random nonce per frame and the direction, worker and round as associated data, so a
 * frame cannot be read, altered or replayed into another round or worker. The key reaches the workers inside the
 * task, over Spark's encrypted channel; a frame that fails its tag closes that connection, as a wrong token does.
 *
 * <p>In the driver's own JVM (Spark's local mode runs every task there) a worker finds the exchange by its token
 * and hands its state over as it is, without a socket, a copy or a cipher: nothing leaves the process. On the
 * quickstart MLP a local[2] round's time outside fitting fell from 9-18 ms to 4-8 ms (docs/benchmarks.md).
 */
final class RoundExchange implements AutoCloseable {

    static final byte[] NOTHING = new byte[0]; // a worker without minibatches in this round
    static final byte[] FAILED = {'!'};
    static final String UNREACHABLE = "workers could not reach the driver's parameter-averaging exchange";
    /** Exchanges that workers in this JVM may reach without a socket, by token. */
    private static final Map<String, RoundExchange> IN_THIS_JVM = new java.util.concurrent.ConcurrentHashMap<>();

    private final int workers;
    private final String token = UUID.randomUUID().toString();
    private final ServerSocket server;
    private final ExecutorService threads;
    private final String address;
    private final javax.crypto.SecretKey key; // null: frames travel in the clear
    private final Map<Integer, Round> rounds = new HashMap<>(); // until every worker has its answer
    private ParameterAveragingTrainer.Mean last;
    private int averaged;
    private long steps;
    private long fittedNanos;
    private int inJvmWorkers;
    private boolean closed;

    /** What the workers of one round sent, and the answer once all have. */
    private static final class Round {
        final byte[][] sent;
        int arrived;
        int answered;
        byte[] answer;

        Round(int workers) {
            sent = new byte[workers][];
        }
    }

    /**
     * {@code bind}: the address to listen on; {@code advertised}: the host executors reach the driver by;
     * {@code sealed}: frames encrypted and authenticated (see the class); {@code inThisJvm}: workers in this JVM hand
     * their states over without the socket.
     */
    RoundExchange(String bind, String advertised, int workers, boolean sealed, boolean inThisJvm) throws IOException {
        this.workers = workers;
        this.key = sealed ? Seal.newKey() : null;
        if (sealed) {
            Seal.warmUp();
        }
        this.server = new ServerSocket();
        server.setReceiveBufferSize(4 << 20);
        server.bind(new InetSocketAddress(bind, 0), 64);
        this.threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "dlpipe-round-exchange");
            t.setDaemon(true);
            return t;
        });
        threads.submit(this::accept);
        this.address = advertised + ":" + server.getLocalPort() + "/" + token
                + (sealed ? "/" + java.util.Base64.getUrlEncoder().encodeToString(key.getEncoded()) : "");
        if (inThisJvm) {
            IN_THIS_JVM.put(token, this);
        }
    }

    /** Whether a worker in this JVM given {@code address} would hand its states over without the socket. */
    static boolean inThisJvm(String address) {
        String[] parts = address.split("/");
        return parts.length > 1 && IN_THIS_JVM.containsKey(parts[1]);
    }

    /** How many workers reached this exchange inside its JVM, without the socket. */
    synchronized int inJvmWorkers() {
        return inJvmWorkers;
    }

    /** host:port/token[/key], what a worker needs to reach this exchange (a secret: never log past host:port). */
    String address() {
        return address;
    }

    /** The last round's mean (null before the first): what every worker ended the epoch with. */
    synchronized ParameterAveragingTrainer.Mean last() {
        return last;
    }

    /** How many rounds were averaged. */
    synchronized int averaged() {
        return averaged;
    }

    /** The rounds' steps (each as far as its longest worker got), summed: the epoch's advance of the iteration. */
    synchronized long steps() {
        return steps;
    }

    /** The slowest worker's fitting time, summed over rounds. */
    synchronized long fittedNanos() {
        return fittedNanos;
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                threads.submit(() -> serve(s));
            } catch (IOException | java.util.concurrent.RejectedExecutionException e) {
                return; // closed
            }
        }
    }

    /** One worker's connection: its token, then one state per round, answered with the round's mean. */
    private void serve(Socket socket) {
        try (socket) {
            socket.setTcpNoDelay(true);
            DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            if (!token.equals(in.readUTF())) {
                return;
            }
            int worker = in.readInt();
            while (true) {
                int round = in.readInt();
                byte[] state = new byte[in.readInt()];
                in.readFully(state);
                if (key != null) {
                    state = Seal.open(key, state, Seal.UP, worker, round);
                }
                byte[] answer = arrive(round, worker, state);
                if (key != null) {
                    answer = Seal.close(key, answer, Seal.DOWN, worker, round);
                }
                out.writeInt(answer.length);
                out.write(answer);
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // the worker closed its connection at the end of its epoch, or the exchange closed
        } catch (java.security.GeneralSecurityException e) {
            // a frame that is not this exchange's (its tag fails): drop the connection, as for a wrong token
        }
    }

    private synchronized byte[] arrive(int round, int worker, byte[] state) throws InterruptedException {
        Round r = rounds.computeIfAbsent(round, k -> new Round(workers));
        if (r.sent[worker] == null) {
            r.sent[worker] = state;
            r.arrived++;
        }
        if (r.arrived == workers) {
            r.answer = answer(r);
            java.util.Arrays.fill(r.sent, null);
            notifyAll();
        }
        while (r.answer == null && !closed) {
            wait();
        }
        if (r.answer == null) {
            return FAILED;
        }
        if (++r.answered == workers) {
            rounds.remove(round); // every worker has it: hold no round's states longer than it lasts
        }
        return r.answer;
    }

    /** All workers of a round have sent: the mean, or FAILED if one failed. */
    private byte[] answer(Round r) {
        List<ParameterAveragingTrainer.Result> results = new ArrayList<>();
        for (byte[] sent : r.sent) {
            if (sent.length == 1 && sent[0] == FAILED[0]) {
                return FAILED;
            }
            if (sent.length > 0) {
                results.add(ParameterAveragingTrainer.Result.fromBytes(sent));
            }
        }
        ParameterAveragingTrainer.Mean mean = ParameterAveragingTrainer.Mean.of(results);
        last = mean;
        averaged++;
        steps += mean.steps();
        fittedNanos += results.stream().mapToLong(ParameterAveragingTrainer.Result::nanos).max().orElse(0);
        return new ParameterAveragingTrainer.Result(-1, mean.params(), mean.updater(), mean.steps(), 0).bytes();
    }

    /** A worker's connection to the exchange, for one epoch; runs on an executor. */
    static final class Connection implements AutoCloseable {
        private final RoundExchange inJvm; // the exchange itself, when it lives in this JVM; else the socket's
        private final Socket socket;
        private final DataInputStream in;
        private final DataOutputStream out;
        private final int worker;
        private final javax.crypto.SecretKey key;

        Connection(String address, int worker) throws IOException {
            String[] parts = address.split("/");
            String hostPort = parts[0];
            this.worker = worker;
            this.inJvm = parts.length > 1 ? IN_THIS_JVM.get(parts[1]) : null;
            if (inJvm != null) {
                synchronized (inJvm) {
                    inJvm.inJvmWorkers++;
                }
                this.key = null;
                this.socket = null;
                this.in = null;
                this.out = null;
                return;
            }
            this.key = parts.length > 2 ? new javax.crypto.spec.SecretKeySpec(
                    java.util.Base64.getUrlDecoder().decode(parts[2]), "AES") : null;
            if (key != null) {
                Seal.warmUp();
            }
            int colon = hostPort.lastIndexOf(':');
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.setReceiveBufferSize(4 << 20);
            socket.connect(new InetSocketAddress(hostPort.substring(0, colon),
                    Integer.parseInt(hostPort.substring(colon + 1))), 20_000);
            in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
            out = new DataOutputStream(socket.getOutputStream());
            out.writeUTF(parts[1]);
            out.writeInt(worker);
        }

        /** Sends this worker's state after {@code round}; returns the round's mean (or {@link #FAILED}). */
        byte[] send(int round, byte[] state) throws IOException {
            if (inJvm != null) {
                try {
                    return inJvm.arrive(round, worker, state);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while waiting for round " + round);
                }
            }
            byte[] frame = key == null ? state : Seal.close(key, state, Seal.UP, worker, round);
            out.writeInt(round);
            out.writeInt(frame.length);
            out.write(frame);
            out.flush();
            byte[] answer = new byte[in.readInt()];
            in.readFully(answer);
            try {
                return key == null ? answer : Seal.open(key, answer, Seal.DOWN, worker, round);
            } catch (java.security.GeneralSecurityException e) {
                throw new IOException("the exchange's answer for round " + round + " failed its authentication", e);
            }
        }

        @Override
        public void close() throws IOException {
            if (socket != null) {
                socket.close();
            }
        }
    }

    /** AES-256-GCM frames: a 12-byte random nonce, then the ciphertext and its 16-byte tag. */
    static final class Seal {
        static final byte UP = 0; // worker to driver
        static final byte DOWN = 1; // driver to worker
        private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();
        private static final java.util.concurrent.atomic.AtomicBoolean WARMING = new java.util.concurrent.atomic.AtomicBoolean();

        private Seal() {
        }

        /**
         * Once per JVM, on a daemon thread: seals and opens small frames until HotSpot has compiled the AES-GCM
         * path with its AES-NI and carry-less-multiply intrinsics. Why: a JVM that only seals a few 3 MB frames a
         * round never gets there by invocation counts, and until then a 3.2 MB frame takes ~50 ms each way
         * (64 MB/s) instead of 0.6-2 ms; 10,000 frames of 4 KB, ~0.65 s of one core, were enough on Java 17 (5,000
         * were not). Frames sealed meanwhile are correct, only slower.
         */
        static void warmUp() {
            if (!WARMING.compareAndSet(false, true)) {
                return;
            }
            Thread t = new Thread(() -> {
                javax.crypto.SecretKey key = newKey();
                byte[] plain = new byte[4096];
                try {
                    for (int i = 0; i < 12_000; i++) {
                        open(key, close(key, plain, UP, 0, i), UP, 0, i);
                    }
                } catch (java.security.GeneralSecurityException e) {
                    throw new IllegalStateException(e); // its own frames always open
                }
            }, "dlpipe-exchange-cipher-warm-up");
            t.setDaemon(true);
            t.setPriority(Thread.MIN_PRIORITY);
            t.start();
        }

        static javax.crypto.SecretKey newKey() {
            byte[] k = new byte[32];
            RANDOM.nextBytes(k);
            return new javax.crypto.spec.SecretKeySpec(k, "AES");
        }

        static byte[] close(javax.crypto.SecretKey key, byte[] plain, byte direction, int worker, int round) {
            try {
                byte[] frame = new byte[12 + plain.length + 16];
                byte[] nonce = new byte[12];
                RANDOM.nextBytes(nonce);
                System.arraycopy(nonce, 0, frame, 0, 12);
                javax.crypto.Cipher c = cipher(javax.crypto.Cipher.ENCRYPT_MODE, key, nonce, direction, worker, round);
                c.doFinal(plain, 0, plain.length, frame, 12);
                return frame;
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalStateException("AES-GCM is part of every Java 17 runtime", e);
            }
        }

        static byte[] open(javax.crypto.SecretKey key, byte[] frame, byte direction, int worker, int round)
                throws java.security.GeneralSecurityException {
            if (frame.length < 12 + 16) {
                throw new javax.crypto.AEADBadTagException("a frame of " + frame.length + " bytes");
            }
            byte[] nonce = java.util.Arrays.copyOf(frame, 12);
            return cipher(javax.crypto.Cipher.DECRYPT_MODE, key, nonce, direction, worker, round)
                    .doFinal(frame, 12, frame.length - 12);
        }

        private static javax.crypto.Cipher cipher(int mode, javax.crypto.SecretKey key, byte[] nonce, byte direction,
                                                  int worker, int round) throws java.security.GeneralSecurityException {
            javax.crypto.Cipher c = javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
            c.init(mode, key, new javax.crypto.spec.GCMParameterSpec(128, nonce));
            c.updateAAD(java.nio.ByteBuffer.allocate(9).put(direction).putInt(worker).putInt(round).array());
            return c;
        }
    }

    @Override
    public void close() {
        IN_THIS_JVM.remove(token, this);
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
        threads.shutdownNow();
    }
}
