package dev.dlpipe.text;

import dev.dlpipe.UserError;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Token to id, fitted on the training split's token counts: id 0 is padding, id 1 stands for every token outside the
 * vocabulary, then tokens seen at least {@code minCount} times, most frequent first (ties in code-point order, so a
 * refit on the same data gives the same ids), until {@code maxSize} ids. Written as vocabulary.txt, one token per
 * line, the line number (from 0) being the id: the format Keras' and Hugging Face's vocab files use.
 */
public final class Vocabulary implements Serializable {

    public static final String FILE = "vocabulary.txt";
    public static final int PAD = 0;
    public static final int OOV = 1;
    public static final String PAD_TOKEN = "<pad>";
    public static final String OOV_TOKEN = "<unk>";

    private final List<String> tokens;
    private final Map<String, Integer> ids;

    private Vocabulary(List<String> tokens) {
        this.tokens = List.copyOf(tokens);
        this.ids = new HashMap<>();
        for (int i = 0; i < tokens.size(); i++) {
            ids.putIfAbsent(tokens.get(i), i);
        }
    }

    /** Fits on {@code counts} (token to occurrences in the training split). */
    public static Vocabulary fit(Map<String, Long> counts, int minCount, int maxSize) {
        if (maxSize < 3) {
            throw new UserError("pack.text.max-vocabulary must be at least 3 (padding, unknown and one token), got "
                    + maxSize);
        }
        List<String> tokens = new ArrayList<>(List.of(PAD_TOKEN, OOV_TOKEN));
        counts.entrySet().stream()
                .filter(e -> e.getValue() >= minCount && !e.getKey().equals(PAD_TOKEN) && !e.getKey().equals(OOV_TOKEN))
                .sorted(Comparator.<Map.Entry<String, Long>>comparingLong(Map.Entry::getValue).reversed()
                        .thenComparing(Map.Entry::getKey))
                .limit(maxSize - 2L)
                .forEach(e -> tokens.add(e.getKey()));
        return new Vocabulary(tokens);
    }

    public static Vocabulary of(List<String> tokens) {
        if (tokens.size() < 2 || !tokens.get(PAD).equals(PAD_TOKEN) || !tokens.get(OOV).equals(OOV_TOKEN)) {
            throw new UserError(FILE + " must start with " + PAD_TOKEN + " and " + OOV_TOKEN + " (ids 0 and 1)");
        }
        return new Vocabulary(tokens);
    }

    public int size() {
        return tokens.size();
    }

    public int id(String token) {
        return ids.getOrDefault(token, OOV);
    }

    public String token(int id) {
        return tokens.get(id);
    }

    public List<String> tokens() {
        return tokens;
    }

    /** Token ids padded with {@link #PAD} or truncated to {@code length}, as floats (the tensor shards' type). */
    public float[] encode(List<String> tokenList, int length) {
        float[] out = new float[length];
        for (int i = 0; i < Math.min(length, tokenList.size()); i++) {
            out[i] = id(tokenList.get(i));
        }
        return out;
    }

    public String toText() {
        return String.join("\n", tokens) + "\n";
    }

    public static Vocabulary parse(String text) {
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        }
        return of(lines);
    }
}
