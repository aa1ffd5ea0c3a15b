using System;
using System.IO;
using System.Security.Cryptography;
using System.Threading;

namespace PfaAzureDevOps.TestServers
{
    /// <summary>
    /// The two RSA keys every local Azure DevOps uses, made once per checkout (in <c>.tmp/azure-devops-emulator/keys</c>,
    /// an owner-only folder, each key an owner-only file) instead of at every start: the emulator's TLS key (it signs a
    /// fresh self-signed certificate with it at each start) and the sshd's host key (copied, owner-only, into each run
    /// folder). An RSA 2048 generation costs about 0.2 CPU s in the emulator and 0.35 in ssh-keygen, and the suite starts
    /// a dozen emulators. Made under a machine-wide named mutex, written under a temporary name and then renamed, so
    /// parallel test processes never read half a key.
    /// </summary>
    public static class TestKeys
    {
        private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        private const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

        /// <summary>The PEM (PKCS#8) of the emulator's RSA 2048 TLS key; the emulator's <c>--key-file</c>.</summary>
        public static string TlsKey(string repositoryRoot) => Ensure(repositoryRoot, "tls-rsa-2048.pem", path =>
        {
            using RSA rsa = RSA.Create(2048);
            Write(path, rsa.ExportPkcs8PrivateKeyPem() + "\n");
        });

        /// <summary>The sshd's RSA 2048 host key (OpenSSH format), with its <c>.pub</c> beside it.</summary>
        public static string SshHostKey(string repositoryRoot) => Ensure(repositoryRoot, "ssh_host_rsa_key", path =>
        {
            string temp = path + ".new" + Environment.ProcessId;
            foreach (string stale in new[] { temp, temp + ".pub" })
            {
                File.Delete(stale);
            }

            ServerProcess.Run("/usr/bin/ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", string.Empty, "-C", "pfa-ado-emulator-host", "-f", temp);
            SetOwnerOnly(temp, OwnerOnlyFile);
            File.Move(temp + ".pub", path + ".pub", overwrite: true);
            File.Move(temp, path, overwrite: true);   // last: the private key's presence says both are there
        });

        /// <summary>Copies the host key (and its .pub) to <paramref name="destination"/>, the private key owner-only as sshd requires.</summary>
        public static void CopySshHostKey(string repositoryRoot, string destination)
        {
            string source = SshHostKey(repositoryRoot);
            File.Copy(source + ".pub", destination + ".pub", overwrite: true);
            WriteOwnerOnly(destination, File.ReadAllBytes(source));
            SetOwnerOnly(destination, OwnerOnlyFile);
        }

        /// <summary>An OpenSSH public key line's SHA-256 fingerprint as <c>ssh-keygen -l -E sha256</c> prints it (<c>SHA256:</c> and unpadded base64).</summary>
        public static string Sha256Fingerprint(string publicKeyLine)
        {
            string[] parts = publicKeyLine.Trim().Split(' ');
            return "SHA256:" + Convert.ToBase64String(SHA256.HashData(Convert.FromBase64String(parts[1]))).TrimEnd('=');
        }

        private static string Ensure(string repositoryRoot, string name, Action<string> make)
        {
            string folder = Path.Combine(repositoryRoot, ".tmp", "azure-devops-emulator", "keys");
            string path = Path.Combine(folder, name);
            if (File.Exists(path))
            {
                return path;
            }

            using var mutex = new Mutex(false, "PfaAzureDevOpsEmulatorKeys");
            bool owned = false;
            try
            {
                try
                {
                    owned = mutex.WaitOne(TimeSpan.FromMinutes(2));
                }
                catch (AbandonedMutexException)
                {
                    owned = true;
                }

                if (!owned)
                {
                    throw new InvalidOperationException("Timed out waiting for another process making the local Azure DevOps's keys.");
                }

                if (!File.Exists(path))
                {
                    Directory.CreateDirectory(folder);
                    SetOwnerOnly(folder, OwnerOnlyFolder);

                    make(path);
                }

                return path;
            }
            finally
            {
                if (owned)
                {
                    mutex.ReleaseMutex();
                }
            }
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
