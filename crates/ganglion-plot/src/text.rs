//! Text and thick lines on bitmaps, done right.
//!
//! plotters 0.3.7 rasterises each glyph at the pen position but drops the glyph's left side bearing, so
//! letters in a PNG sit unevenly ("ti me (m s)"); and it outlines a polyline wider than one pixel as one
//! polygon, which goes wrong where a segment is vertical in pixels (a reset in a voltage trace: a stripe
//! across the picture). [`Typeset`] wraps a bitmap backend and replaces both: glyphs placed by their
//! pixel bounds, lines drawn segment by segment as filled quadrilaterals with round joins. Everything else
//! passes through. (SVG needs neither: text stays text and lines stay paths.)

use std::sync::LazyLock;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
};

use crate::FONT;

static FACE: LazyLock<Option<FontRef<'static>>> =
    LazyLock::new(|| FontRef::try_from_slice(FONT).ok());

/// Lays `text` out at `size` pixels: calls `put(x, y, coverage)` for each pixel a glyph covers, with
/// (0, 0) the top left of the line's box, and returns the box's width and height.
fn typeset(size: f64, text: &str, mut put: impl FnMut(i32, i32, f32)) -> (i32, i32) {
    let Some(face) = FACE.as_ref() else {
        return (0, 0);
    };
    let font = face.as_scaled(PxScale::from(size as f32));
    let ascent = font.ascent();
    let mut x = 0.0f32;
    let mut previous = None;
    for c in text.chars() {
        let id = font.glyph_id(c);
        if let Some(p) = previous {
            x += font.kern(p, id);
        }
        let glyph = id.with_scale_and_position(font.scale(), point(x, ascent));
        if let Some(outline) = font.outline_glyph(glyph) {
            let bounds = outline.px_bounds();
            let (x0, y0) = (bounds.min.x as i32, bounds.min.y as i32);
            outline.draw(|gx, gy, coverage| put(x0 + gx as i32, y0 + gy as i32, coverage));
        }
        x += font.h_advance(id);
        previous = Some(id);
    }
    (x.ceil() as i32, (ascent - font.descent()).ceil() as i32)
}

/// A bitmap backend whose text and thick lines are drawn by this crate (see the module's comment).
pub(crate) struct Typeset<B>(pub B);

impl<B: DrawingBackend> DrawingBackend for Typeset<B> {
    type ErrorType = B::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.0.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.0.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.0.present()
    }

    fn draw_pixel(
        &mut self,
        p: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.0.draw_pixel(p, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        if style.stroke_width() > 1 {
            return self.draw_path([from, to], style);
        }
        self.0.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        a: BackendCoord,
        b: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.0.draw_rect(a, b, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        let width = style.stroke_width();
        if width <= 1 {
            return self.0.draw_path(path, style);
        }
        // Copies of the one-pixel line `lo..=hi` pixels across it (sideways for a steep segment, up and
        // down for a flat one), and a square of the line's width at each vertex to fill the joins.
        let lo = -((width as i32 - 1) / 2);
        let hi = lo + width as i32 - 1;
        let color = style.color();
        let points: Vec<BackendCoord> = path.into_iter().collect();
        for w in points.windows(2) {
            let (a, b) = (w[0], w[1]);
            let steep = (b.1 - a.1).abs() > (b.0 - a.0).abs();
            for o in lo..=hi {
                let (dx, dy) = if steep { (o, 0) } else { (0, o) };
                self.0
                    .draw_line((a.0 + dx, a.1 + dy), (b.0 + dx, b.1 + dy), &color)?;
            }
        }
        if points.len() > 2 {
            for p in &points[1..points.len() - 1] {
                self.0
                    .draw_rect((p.0 + lo, p.1 + lo), (p.0 + hi, p.1 + hi), &color, true)?;
            }
        }
        Ok(())
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.0.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vertices: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.0.fill_polygon(vertices, style)
    }

    fn draw_text<T: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &T,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let (width, height) = typeset(style.size(), text, |_, _, _| {});
        let dx = match style.anchor().h_pos {
            HPos::Left => 0,
            HPos::Right => -width,
            HPos::Center => -width / 2,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0,
            VPos::Center => -height / 2,
            VPos::Bottom => -height,
        };
        let transform = style.transform();
        let (w, h) = self.0.get_size();
        let mut result = Ok(());
        typeset(style.size(), text, |x, y, coverage| {
            let (x, y) = transform.transform(x + dx, y + dy);
            let (x, y) = (pos.0 + x, pos.1 + y);
            if result.is_ok() && x >= 0 && y >= 0 && x < w as i32 && y < h as i32 {
                result = self
                    .0
                    .draw_pixel((x, y), color.mix(f64::from(coverage.min(1.0))));
            }
        });
        result
    }

    fn estimate_text_size<T: BackendTextStyle>(
        &self,
        text: &str,
        style: &T,
    ) -> Result<(u32, u32), DrawingErrorKind<B::ErrorType>> {
        let (w, h) = typeset(style.size(), text, |_, _, _| {});
        Ok((w.max(0) as u32, h.max(0) as u32))
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.0.blit_bitmap(pos, size, src)
    }
}

/// The width and height, in pixels, of `text` set at `size` pixels (as drawn on bitmaps).
pub(crate) fn text_size(text: &str, size: f64) -> (i32, i32) {
    typeset(size, text, |_, _, _| {})
}
