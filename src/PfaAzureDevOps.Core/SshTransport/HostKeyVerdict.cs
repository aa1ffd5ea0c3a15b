using System;
using PfaAzureDevOps.Core.Errors;

namespace PfaAzureDevOps.Core.SshTransport
{
    /// <summary>What <see cref="HostKeyPolicy.Verify"/> decided about a host key, and the error to raise when it is not trusted.</summary>
    internal sealed class HostKeyVerdict
    {
        private HostKeyVerdict(bool trusted, bool known, string actual, string keyType, string? expectation)
        {
            IsTrusted = trusted;
            IsKnown = known;
            ActualFingerprint = actual;
            KeyType = keyType;
            Expectation = expectation;
        }

        public bool IsTrusted { get; }

        /// <summary>False when no pin exists for the host.</summary>
        public bool IsKnown { get; }

        public string ActualFingerprint { get; }

        public string KeyType { get; }

        public string? Expectation { get; }

        public static HostKeyVerdict Trusted(string actual, string keyType) => new HostKeyVerdict(true, true, actual, keyType, null);

        public static HostKeyVerdict Mismatch(string actual, string keyType, string expectation) => new HostKeyVerdict(false, true, actual, keyType, expectation);

        public static HostKeyVerdict Unknown(string actual, string keyType) => new HostKeyVerdict(false, false, actual, keyType, null);

        public PfaException ToException(string host, int port)
        {
            string where = port == SshEndpoint.DefaultPort ? host : host + ":" + port;
            if (!IsKnown)
            {
                return new PfaException(ErrorIds.SshHostKeyUnknown,
                    PfaErrorKind.SecurityError,
                    $"The SSH host key of '{where}' is not pinned, and host keys are never trusted on first use. The server presented {KeyType} key {ActualFingerprint}. Check that fingerprint with the server's owner (for example on the server: ssh-keygen -l -f /etc/ssh/ssh_host_{ShortType(KeyType)}_key.pub), then pass it with -HostKeyFingerprint '{ActualFingerprint}', or pass -KnownHostsPath with an OpenSSH known_hosts file that lists the host.",
                    where)
                {
                    RecommendedAction = "Verify the fingerprint out of band, then pass -HostKeyFingerprint or -KnownHostsPath.",
                };
            }

            return new PfaException(ErrorIds.SshHostKeyMismatch,
                PfaErrorKind.SecurityError,
                $"The SSH host key of '{where}' does not match: {Expectation}, but the server presented {KeyType} key {ActualFingerprint}. This could be an attack (someone intercepting the connection) or a legitimately changed host key. Nothing was sent. Confirm the new fingerprint with the server's owner before updating -HostKeyFingerprint or the known_hosts file.",
                where)
            {
                RecommendedAction = "Do not continue until the server's owner confirms the new host key fingerprint.",
            };
        }

        private static string ShortType(string keyType)
        {
            if (keyType == "ssh-ed25519")
            {
                return "ed25519";
            }

            if (keyType.StartsWith("ecdsa", StringComparison.Ordinal))
            {
                return "ecdsa";
            }

            return "rsa";
        }
    }
}
