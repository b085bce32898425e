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
 */
final class RoundExchange implements AutoCloseable {

    static final byte[] NOTHING = new byte[0]; // a worker without minibatches in this round
    static final byte[] FAILED = {'!'};
    static final String UNREACHABLE = "workers could not reach the driver's parameter-averaging exchange";

    private final int workers;
    private final String token = UUID.randomUUID().toString();
    private final ServerSocket server;
    private final ExecutorService threads;
    private final String address;
    private final Map<Integer, Round> rounds = new HashMap<>(); // until every worker has its answer
    private ParameterAveragingTrainer.Mean last;
    private int averaged;
    private long steps;
    private long fittedNanos;
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

    /** {@code bind}: the address to listen on; {@code advertised}: the host executors reach the driver by. */
    RoundExchange(String bind, String advertised, int workers) throws IOException {
        this.workers = workers;
        this.server = new ServerSocket();
        server.setReceiveBufferSize(4 << 20);
        server.bind(new InetSocketAddress(bind, 0), 64);
        this.threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "dlpipe-round-exchange");
            t.setDaemon(true);
            return t;
        });
        threads.submit(this::accept);
        this.address = advertised + ":" + server.getLocalPort() + "/" + token;
    }

    /** host:port/token, what a worker needs to reach this exchange. */
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
                byte[] answer = arrive(round, worker, state);
                out.writeInt(answer.length);
                out.write(answer);
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // the worker closed its connection at the end of its epoch, or the exchange closed
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
        private final Socket socket;
        private final DataInputStream in;
        private final DataOutputStream out;

        Connection(String address, int worker) throws IOException {
            String hostPort = address.substring(0, address.indexOf('/'));
            int colon = hostPort.lastIndexOf(':');
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.setReceiveBufferSize(4 << 20);
            socket.connect(new InetSocketAddress(hostPort.substring(0, colon),
                    Integer.parseInt(hostPort.substring(colon + 1))), 20_000);
            in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
            out = new DataOutputStream(socket.getOutputStream());
            out.writeUTF(address.substring(address.indexOf('/') + 1));
            out.writeInt(worker);
        }

        /** Sends this worker's state after {@code round}; returns the round's mean (or {@link #FAILED}). */
        byte[] send(int round, byte[] state) throws IOException {
            out.writeInt(round);
            out.writeInt(state.length);
            out.write(state);
            out.flush();
            byte[] answer = new byte[in.readInt()];
            in.readFully(answer);
            return answer;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @Override
    public void close() {
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
