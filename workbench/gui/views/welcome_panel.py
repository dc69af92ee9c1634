"""`WelcomePanel`: what the window shows with no document open — the one-click demo and the keys.

On first launch the demo workspace is already loaded; the big button runs its comparison (two
versions of the order-tracking prompt × the *vous* and *tu* personas on the embedded model) and
opens the results grid filling in live. The rest of the page is the shortcuts people need most.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

INTRO = """
<h2>Prompt Workbench</h2>
<p>Run prompt versions × personas × models side by side on a dataset, score every answer,
review them, and compare.</p>
"""

DEMO_TEXT = """
<p>The demo compares <b>order-tracking v2 and v3</b> with the personas
<b>conseiller-vous</b> (institutional <i>vous</i>) and <b>complice-tu</b> (casual <i>tu</i>)
on the order-tracking questions of the <b>smoke</b> dataset, with the embedded offline model
and the <b>support-quality</b> rubric. Scores fill the column headers as answers arrive; the
small local model takes a few minutes for its 8 answers on a laptop CPU, and its answers are
demo-grade — connect a real model in <i>Models &amp; keys</i> for real comparisons.</p>
"""

SIMULATION_TEXT = """
<p><b>Conversations.</b> Let simulated customers talk to the assistant: the pressed commuter
and the elderly customer who expects <i>vous</i> ask about a late parcel, against
order-tracking v2 and v3, on the embedded model — four conversations of at most three turns,
a few minutes on a laptop CPU. Read the transcripts as chat bubbles and compare two columns side
by side.</p>
"""

SHORTCUTS = """
<p><b>Ctrl+R</b> set up a run · <b>Ctrl+S</b> save · <b>Ctrl+F</b> filter · <b>F5</b> refresh ·
<b>Ctrl+Z / Ctrl+Shift+Z</b> undo / redo<br/>
In results: <b>J / K</b> or arrows to move, <b>1–5</b> to rate, <b>P / F</b> pass or fail.<br/>
In compare: <b>L / R / T</b> left better, right better, tie.<br/>
<b>Ctrl+Shift+R</b> set up a simulation · <b>Ctrl+Shift+T</b> talk to an assistant.</p>
<p>Or pick a prompt, persona, dataset or run in the navigator on the left.</p>
"""


class WelcomePanel(QWidget):
    """The start page.

    Signals:
        demo_requested(): the user asked to run the demo comparison.
        simulation_requested(): the user asked for the short demo simulation (conversations).
        setup_requested(): the user asked to set up a run of their own.
    """

    demo_requested = Signal()
    simulation_requested = Signal()
    setup_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcome")
        intro = QLabel(INTRO)
        intro.setWordWrap(True)
        self.demo_text = QLabel(DEMO_TEXT)
        self.demo_text.setWordWrap(True)
        self.demo_button = QPushButton("▶  Run the demo comparison")
        self.demo_button.setObjectName("demo-button")
        self.demo_button.setMinimumHeight(44)
        self.demo_button.setDefault(True)
        self.setup_button = QPushButton("Set up a run…  (Ctrl+R)")
        self.simulation_text = QLabel(SIMULATION_TEXT)
        self.simulation_text.setWordWrap(True)
        self.simulation_button = QPushButton("▶  Run a short simulation")
        self.simulation_button.setObjectName("simulation-button")
        self.simulation_button.setMinimumHeight(36)
        shortcuts = QLabel(SHORTCUTS)
        shortcuts.setWordWrap(True)

        column = QWidget()
        # Word-wrapped labels ask for little width; give the column a reading width instead
        # (and no alignment flag below: an aligned widget gets its size hint's height, which
        # ignores the wrapped lines).
        column.setMinimumWidth(340)
        column.setMaximumWidth(640)
        layout = QVBoxLayout(column)
        layout.addWidget(intro)
        layout.addWidget(self.demo_text)
        layout.addWidget(self.demo_button)
        layout.addWidget(self.setup_button)
        layout.addSpacing(8)
        layout.addWidget(self.simulation_text)
        layout.addWidget(self.simulation_button)
        layout.addSpacing(16)
        layout.addWidget(shortcuts)
        centred = QHBoxLayout()
        centred.addStretch(1)
        centred.addWidget(column, 4)
        centred.addStretch(1)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(centred)
        outer.addStretch(2)

        self.demo_button.clicked.connect(self.demo_requested)
        self.setup_button.clicked.connect(self.setup_requested)
        self.simulation_button.clicked.connect(self.simulation_requested)
        self.set_simulation_available(False)

    def set_demo_available(self, available: bool) -> None:
        """Offer the demo only when the demo workspace is loaded."""
        self.demo_button.setVisible(available)
        self.demo_text.setVisible(available)

    def set_simulation_available(self, available: bool) -> None:
        """Offer the short simulation only when the demo scenarios and customers are loaded."""
        self.simulation_button.setVisible(available)
        self.simulation_text.setVisible(available)
