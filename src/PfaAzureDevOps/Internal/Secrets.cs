using System;
using System.Runtime.InteropServices;
using System.Security;

namespace PfaAzureDevOps.Internal
{
    /// <summary>Moves secrets between SecureString and short-lived char arrays that callers clear.</summary>
    internal static class Secrets
    {
        public static char[] ToChars(SecureString secret)
        {
            IntPtr pointer = IntPtr.Zero;
            try
            {
                pointer = Marshal.SecureStringToGlobalAllocUnicode(secret);
                var chars = new char[secret.Length];
                Marshal.Copy(pointer, chars, 0, chars.Length);
                return chars;
            }
            finally
            {
                if (pointer != IntPtr.Zero)
                {
                    Marshal.ZeroFreeGlobalAllocUnicode(pointer);
                }
            }
        }

        public static SecureString ToSecureString(char[] chars)
        {
            var secure = new SecureString();
            foreach (char c in chars)
            {
                secure.AppendChar(c);
            }

            secure.MakeReadOnly();
            return secure;
        }

        public static void Clear(char[]? chars)
        {
            if (chars != null)
            {
                Array.Clear(chars, 0, chars.Length);
            }
        }
    }
}
