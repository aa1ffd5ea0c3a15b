using System;
using System.Collections.Generic;
using PfaAzureDevOps.Core.SignIn;

namespace PfaAzureDevOps.Core.Tests.SignIn
{
    /// <summary>A user who answers from a script and remembers everything said to them.</summary>
    internal sealed class FakeSignInUser : ISignInUser
    {
        public bool CanPrompt { get; set; }

        public bool ConfirmAnswer { get; set; } = true;

        public Queue<string?> Lines { get; } = new Queue<string?>();

        public List<string> Said { get; } = new List<string>();

        public List<string> Confirmations { get; } = new List<string>();

        public List<string> Warnings { get; } = new List<string>();

        public int Ticks { get; private set; }

        public bool Confirm(string target, string action)
        {
            Confirmations.Add(action);
            return ConfirmAnswer;
        }

        public void Show(string text) => Said.Add(text);

        public void Verbose(string message)
        {
        }

        public void Warning(string message) => Warnings.Add(message);

        public void ShowDeviceCode(string message) => Said.Add(message);

        public string? ReadLine(string prompt)
        {
            if (!CanPrompt)
            {
                throw new InvalidOperationException("Asked a question in a session that cannot prompt: " + prompt);
            }

            Said.Add(prompt);
            return Lines.Count > 0 ? Lines.Dequeue() : null;
        }

        public void Waiting(TimeSpan elapsed, TimeSpan timeout) => Ticks++;

        public void WaitingDone()
        {
        }
    }
}
