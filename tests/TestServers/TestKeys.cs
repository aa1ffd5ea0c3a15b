using System;
using System.IO;
using System.Security.Cryptography;

namespace PfaAzureDevOps.TestServers
{
    /// <summary>
    /// The two RSA keys every local Azure DevOps uses, made once per checkout (in <c>.tmp/azure-devops-emulator/keys</c>,
    /// an owner-only folder, each key an owner-only file) instead of at every start: the emulator's TLS key (it signs a
    /// fresh self-signed certificate with it at each start) and the sshd's host key (copied, owner-only, into each run
    /// folder). An RSA 2048 generation costs about 0.2 CPU s in the emulator and 0.35 in ssh-keygen, and the suite starts
    /// a dozen emulators. Made under an exclusive lock on <c>keys/.lock</c> (a file lock, so machine-wide across sessions,
    /// and released by the kernel when its holder dies), each key one file written under a temporary name and then renamed,
    /// so parallel test processes never read half a key. The host key is only its private key: its public line is read out
    /// of it at each copy, so a public key can never be paired with another private key. A key there that does not parse
    /// (truncated, hand-edited) is made again under the lock.
    /// </summary>
    public static class TestKeys
    {
        private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        private const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        private const string HostKeyComment = "pfa-ado-emulator-host";

        /// <summary>The PEM (PKCS#8) of the emulator's RSA 2048 TLS key; the emulator's <c>--key-file</c>.</summary>
        public static string TlsKey(string repositoryRoot) => Ensure(repositoryRoot, "tls-rsa-2048.pem", IsTlsKey, path =>
        {
            using RSA rsa = RSA.Create(2048);
            Write(path, rsa.ExportPkcs8PrivateKeyPem() + "\n");
        });

        /// <summary>The sshd's RSA 2048 host key (OpenSSH format, unencrypted): only the private key, see <see cref="SshHostPublicKey"/>.</summary>
        public static string SshHostKey(string repositoryRoot) => Ensure(repositoryRoot, "ssh_host_rsa_key", path => SshHostPublicKey(File.ReadAllText(path)) != null, path =>
        {
            string temp = path + ".new" + Environment.ProcessId;
            foreach (string stale in new[] { temp, temp + ".pub" })
            {
                File.Delete(stale);
            }

            ServerProcess.Run("/usr/bin/ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", string.Empty, "-C", HostKeyComment, "-f", temp);
            SetOwnerOnly(temp, OwnerOnlyFile);
            File.Delete(temp + ".pub");
            File.Delete(path + ".pub");   // left by an older checkout; the public line is read from the private key
            File.Move(temp, path, overwrite: true);
        });

        /// <summary>
        /// Copies the host key to <paramref name="destination"/>, owner-only as sshd requires, and writes its <c>.pub</c>
        /// from the bytes copied (one read of one file), so the pair always matches.
        /// </summary>
        public static void CopySshHostKey(string repositoryRoot, string destination)
        {
            string source = SshHostKey(repositoryRoot);
            byte[] key = File.ReadAllBytes(source);
            string publicLine = SshHostPublicKey(System.Text.Encoding.ASCII.GetString(key))
                ?? throw new InvalidOperationException("The local Azure DevOps's host key " + source + " does not parse; delete it to have it made again.");
            File.Delete(destination);
            WriteOwnerOnly(destination, key);
            SetOwnerOnly(destination, OwnerOnlyFile);
            File.WriteAllText(destination + ".pub", publicLine + " " + HostKeyComment + "\n");
        }

        /// <summary>
        /// The public line (<c>ssh-rsa AAAA...</c>) of an unencrypted OpenSSH RSA private key, read from the key itself
        /// (the openssh-key-v1 format carries the public key and, in its private part, two equal check numbers and the
        /// key type); null when the text is not such a key.
        /// </summary>
        public static string? SshHostPublicKey(string privateKey)
        {
            const string Begin = "-----BEGIN OPENSSH PRIVATE KEY-----", End = "-----END OPENSSH PRIVATE KEY-----";
            int b = privateKey.IndexOf(Begin, StringComparison.Ordinal);
            int e = privateKey.IndexOf(End, StringComparison.Ordinal);
            if (b < 0 || e < b)
            {
                return null;
            }

            try
            {
                byte[] blob = Convert.FromBase64String(privateKey.Substring(b + Begin.Length, e - b - Begin.Length).Replace("\n", string.Empty).Replace("\r", string.Empty));
                const string Magic = "openssh-key-v1\0";
                if (blob.Length < Magic.Length || System.Text.Encoding.ASCII.GetString(blob, 0, Magic.Length) != Magic)
                {
                    return null;
                }

                int at = Magic.Length;
                if (Text(blob, ref at) != "none" || Text(blob, ref at) != "none")
                {
                    return null;
                }

                Bytes(blob, ref at);   // kdf options
                if (UInt(blob, ref at) != 1)
                {
                    return null;
                }

                byte[] publicBlob = Bytes(blob, ref at);
                byte[] secret = Bytes(blob, ref at);
                int p = 0;
                if (Text(publicBlob, ref p) != "ssh-rsa")
                {
                    return null;
                }

                int s = 0;
                if (UInt(secret, ref s) != UInt(secret, ref s) || Text(secret, ref s) != "ssh-rsa")
                {
                    return null;
                }

                return "ssh-rsa " + Convert.ToBase64String(publicBlob);
            }
            catch (Exception ex) when (ex is FormatException || ex is ArgumentException || ex is IndexOutOfRangeException)
            {
                return null;
            }
        }

        /// <summary>An OpenSSH public key line's SHA-256 fingerprint as <c>ssh-keygen -l -E sha256</c> prints it (<c>SHA256:</c> and unpadded base64).</summary>
        public static string Sha256Fingerprint(string publicKeyLine)
        {
            string[] parts = publicKeyLine.Trim().Split(' ');
            return "SHA256:" + Convert.ToBase64String(SHA256.HashData(Convert.FromBase64String(parts[1]))).TrimEnd('=');
        }

        private static bool IsTlsKey(string path)
        {
            try
            {
                using RSA rsa = RSA.Create();
                rsa.ImportFromPem(File.ReadAllText(path));
                return rsa.KeySize == 2048;
            }
            catch (Exception ex) when (ex is ArgumentException || ex is CryptographicException)
            {
                return false;
            }
        }

        private static uint UInt(byte[] data, ref int at)
        {
            if (at + 4 > data.Length)
            {
                throw new FormatException("short");
            }

            uint value = (uint)(data[at] << 24 | data[at + 1] << 16 | data[at + 2] << 8 | data[at + 3]);
            at += 4;
            return value;
        }

        private static byte[] Bytes(byte[] data, ref int at)
        {
            uint length = UInt(data, ref at);
            if (length > data.Length - at)
            {
                throw new FormatException("short");
            }

            byte[] value = data.AsSpan(at, (int)length).ToArray();
            at += (int)length;
            return value;
        }

        private static string Text(byte[] data, ref int at) => System.Text.Encoding.ASCII.GetString(Bytes(data, ref at));

        private static string Ensure(string repositoryRoot, string name, Func<string, bool> parses, Action<string> make)
        {
            string folder = Path.Combine(repositoryRoot, ".tmp", "azure-devops-emulator", "keys");
            string path = Path.Combine(folder, name);
            if (File.Exists(path) && parses(path))
            {
                return path;
            }

            Directory.CreateDirectory(folder);
            SetOwnerOnly(folder, OwnerOnlyFolder);
            using (FileLock.Acquire(Path.Combine(folder, ".lock"), TimeSpan.FromMinutes(2), "Timed out waiting for another process making the local Azure DevOps's keys"))
            {
                if (!File.Exists(path) || !parses(path))
                {
                    make(path);
                }
            }

            return path;
        }

        private static void Write(string path, string text)
        {
            string temp = path + ".new" + Environment.ProcessId;
            File.Delete(temp);
            WriteOwnerOnly(temp, System.Text.Encoding.ASCII.GetBytes(text));
            File.Move(temp, path, overwrite: true);
        }

        /// <summary>A new file created owner-only (0600) from the start, so the key is never readable by others, not even briefly.</summary>
        private static void WriteOwnerOnly(string path, byte[] bytes)
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = OwnerOnlyFile;
            }

            using var stream = new FileStream(path, options);
            stream.Write(bytes, 0, bytes.Length);
        }

        private static void SetOwnerOnly(string path, UnixFileMode mode)
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, mode);
            }
        }
    }
}
