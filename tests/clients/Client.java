// A case system's call to `compliance serve`, with nothing but the JDK (java.net.http).
// Run: java Client.java http://127.0.0.1:8000 request.json   (token, if any, in COMPLIANCE_API_TOKEN)
// Prints the status, the Compliance-Rules-Version header and the JSON answer; exits 1 unless 200.
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

public class Client {
    public static void main(String[] args) throws Exception {
        String base = args[0];
        String body = Files.readString(Path.of(args[1]));
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "/v1/evaluate"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        String token = System.getenv("COMPLIANCE_API_TOKEN");
        if (token != null && !token.isEmpty()) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        System.out.println(response.statusCode());
        System.out.println(response.headers().firstValue("Compliance-Rules-Version").orElse(""));
        System.out.println(response.body());
        System.exit(response.statusCode() == 200 ? 0 : 1);
    }
}
