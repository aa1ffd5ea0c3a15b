using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Renci.SshNet;
using Renci.SshNet.Common;
using Renci.SshNet.Security;
using PfaAzureDevOps.Core.Errors;

namespace PfaAzureDevOps.Core.SshTransport
{
    /// <summary>An unencrypted OpenSSH private key, loaded so that RSA keys sign only with SHA-2.</summary>
    internal sealed class SshClientKey : IDisposable
    {
        private static readonly string[] Sha1Algorithms = { "ssh-rsa", "ssh-rsa-cert-v01@openssh.com" };

        private readonly PrivateKeyFile _file;

        private SshClientKey(PrivateKeyFile file, Sha2OnlyKeySource source, bool isRsa)
        {
            _file = file;
            Source = source;
            IsRsa = isRsa;
        }

        /// <summary>What SSH.NET offers: this key only, with SHA-1 ssh-rsa removed.</summary>
        public IPrivateKeySource Source { get; }

        public bool IsRsa { get; }

        /// <summary>The signature algorithms offered, most preferred first (RSA: rsa-sha2-512, rsa-sha2-256).</summary>
        public IReadOnlyList<string> Algorithms => ((Sha2OnlyKeySource)Source).Names;

        public static SshClientKey Load(string privateKeyText)
        {
            if (privateKeyText == null || privateKeyText.Trim().Length == 0)
            {
                throw new PfaException(ErrorIds.SshPrivateKeyInvalid, PfaErrorKind.InvalidArgument, "No private key was given. Pass the OpenSSH private key text (it starts with '-----BEGIN OPENSSH PRIVATE KEY-----').", "PrivateKey");
            }

            PrivateKeyFile file;
            try
            {
                byte[] bytes = Encoding.UTF8.GetBytes(privateKeyText.Replace("\r\n", "\n").Trim() + "\n");
                using (var stream = new MemoryStream(bytes, writable: false))
                {
                    file = new PrivateKeyFile(stream);
                }
            }
            catch (SshPassPhraseNullOrEmptyException ex)
            {
                throw new PfaException(ErrorIds.SshPrivateKeyEncrypted, PfaErrorKind.InvalidArgument, "The private key is protected by a passphrase, which is not supported here. Use an unencrypted key kept in a secret store (for example 'ssh-keygen -p -N \"\" -f <file>' on a copy).", "PrivateKey", ex);
            }
            catch (Exception ex) when (ex is SshException || ex is FormatException || ex is ArgumentException || ex is NotSupportedException || ex is InvalidOperationException || ex is System.Security.Cryptography.CryptographicException || ex is IndexOutOfRangeException || ex is EndOfStreamException)
            {
                // The inner exception's message may echo parts of the input: keep only its type.
                throw new PfaException(ErrorIds.SshPrivateKeyInvalid, PfaErrorKind.InvalidArgument, "The private key could not be read (" + ex.GetType().Name + "). Pass an unencrypted OpenSSH private key, the text that starts with '-----BEGIN OPENSSH PRIVATE KEY-----', not the public key (.pub).", "PrivateKey");
            }

            var kept = new List<HostAlgorithm>();
            bool isRsa = false;
            foreach (string preferred in new[] { "rsa-sha2-512", "rsa-sha2-256" })
            {
                foreach (HostAlgorithm algorithm in file.HostKeyAlgorithms)
                {
                    if (algorithm.Name == preferred)
                    {
                        kept.Add(algorithm);
                        isRsa = true;
                    }
                }
            }

            foreach (HostAlgorithm algorithm in file.HostKeyAlgorithms)
            {
                if (algorithm.Name == "ssh-rsa")
                {
                    isRsa = true;
                }

                if (Array.IndexOf(Sha1Algorithms, algorithm.Name) < 0 && !kept.Contains(algorithm))
                {
                    kept.Add(algorithm);
                }
            }

            if (kept.Count == 0)
            {
                file.Dispose();
                throw new PfaException(ErrorIds.SshPrivateKeyUnsupported, PfaErrorKind.InvalidArgument, "The private key can only sign with SHA-1 ('ssh-rsa'), which is refused. Use an RSA key (signed with rsa-sha2-512/256) or an Ed25519 or ECDSA key.", "PrivateKey");
            }

            return new SshClientKey(file, new Sha2OnlyKeySource(kept), isRsa);
        }

        public void Dispose() => _file.Dispose();

        private sealed class Sha2OnlyKeySource : IPrivateKeySource
        {
            public Sha2OnlyKeySource(List<HostAlgorithm> algorithms)
            {
                HostKeyAlgorithms = algorithms.AsReadOnly();
                var names = new List<string>();
                foreach (HostAlgorithm algorithm in algorithms)
                {
                    names.Add(algorithm.Name);
                }

                Names = names.AsReadOnly();
            }

            public IReadOnlyCollection<HostAlgorithm> HostKeyAlgorithms { get; }

            public IReadOnlyList<string> Names { get; }
        }
    }
}
