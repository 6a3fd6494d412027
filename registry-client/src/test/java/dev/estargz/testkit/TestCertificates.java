package dev.estargz.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

/**
 * Key material made with the openssl CLI for one test run: a CA, a server certificate for 127.0.0.1/localhost
 * signed by it, and a self-signed token-signing certificate.
 */
public record TestCertificates(Path caCert, Path serverCert, Path serverKey, Path tokenCert, Path tokenKey) {

    /** Generates everything into {@code dir}. */
    public static TestCertificates create(Path dir) throws IOException {
        Files.createDirectories(dir);
        ExternalCommand.run(dir, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
                "-out", "ca.pem", "-days", "2", "-subj", "/CN=estargz-test-ca",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        ExternalCommand.run(dir, "openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key",
                "-out", "server.csr", "-subj", "/CN=127.0.0.1");
        Files.writeString(dir.resolve("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                + "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n");
        ExternalCommand.run(dir, "openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext");
        ExternalCommand.run(dir, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "token.key",
                "-out", "token.pem", "-days", "2", "-subj", "/CN=estargz-test-token-signer");
        return new TestCertificates(dir.resolve("ca.pem"), dir.resolve("server.pem"), dir.resolve("server.key"),
                dir.resolve("token.pem"), dir.resolve("token.key"));
    }

    /** The token-signing private key (openssl writes PKCS#8). */
    public PrivateKey tokenPrivateKey() throws IOException {
        String pem = Files.readString(tokenKey);
        String b64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        try {
            return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(b64)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("cannot load " + tokenKey, e);
        }
    }

    /** DER bytes of the token-signing certificate, for the JWT x5c header. */
    public byte[] tokenCertDer() throws IOException {
        try (var in = Files.newInputStream(tokenCert)) {
            X509Certificate c = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            return c.getEncoded();
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("cannot load " + tokenCert, e);
        }
    }
}
